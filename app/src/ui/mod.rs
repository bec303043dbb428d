//! Pages and components, compiled for both the server (SSR) and the browser.
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};

use crate::{api::auth::load_page_context, error::AppError, model::PageContext};

pub mod components;
#[cfg(feature = "ssr")]
pub mod error_page;
pub mod offline;
pub mod pages;

/// The HTML document around the app (server only).
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    use leptos_meta::MetaTags;
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="stylesheet" href=style::href() />
                <AutoReload options=options.clone() />
                <HydrationScripts options=bundle_for(options) />
                <MetaTags />
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased">
                <App />
            </body>
        </html>
    }
}

/// The till's page: served with a bundle of its own (the `till` crate), so a
/// cashier's screen loads none of the back office's pages.
pub const TILL_PAGE: &str = "/pos";

/// The till's page hydrates with the till's bundle, every other page with the
/// back office's (same directory, `till.js` / `till.wasm`).
#[cfg(feature = "ssr")]
fn bundle_for(mut options: LeptosOptions) -> LeptosOptions {
    let on_till = use_context::<http::request::Parts>().is_some_and(|parts| parts.uri.path() == TILL_PAGE);
    if on_till {
        options.output_name = "till".into();
    }
    options
}

/// Who is signed in where: loaded once per page (blocking, so redirects and
/// status codes are decided before the first byte) and shared by every page.
pub type PageContextResource = Resource<Result<PageContext, AppError>>;

pub fn use_page_context() -> PageContextResource {
    expect_context::<PageContextResource>()
}

/// Every page on the server, and the back office's browser bundle.
#[component]
pub fn App() -> impl IntoView {
    frame(|| {
        view! {
            <Routes fallback=pages::not_found::NotFoundPage>
                <Route path=path!("/") view=pages::home::HomePage />
                <Route path=path!("/login") view=pages::login::LoginPage />
                <Route path=path!("/signup") view=pages::signup::SignupPage />
                <Route path=path!("/forgot") view=pages::password_reset::ForgotPasswordPage />
                <Route path=path!("/reset/:token") view=pages::password_reset::ResetPasswordPage />
                <Route path=path!("/orgs") view=pages::orgs::OrgsPage />
                <Route path=path!("/products") view=pages::products::ProductsPage />
                <Route path=path!("/products/new") view=pages::product_new::NewProductPage />
                <Route path=path!("/products/import") view=pages::product_import::ImportPage />
                <Route path=path!("/products/:id") view=pages::product_detail::ProductDetailPage />
                <Route path=path!("/stock/low") view=pages::low_stock::LowStockPage />
                <Route path=path!("/pos") view=pages::pos::PosPage />
                <Route path=path!("/bills") view=pages::bills::BillsPage />
                <Route path=path!("/bills/:id") view=pages::bills::BillPage />
                <Route path=path!("/shifts") view=pages::shifts::ShiftsPage />
                <Route path=path!("/shifts/:id") view=pages::shifts::ShiftPage />
                <Route path=path!("/customers") view=pages::customers::CustomersPage />
                <Route path=path!("/customers/:id") view=pages::customers::CustomerPage />
                <Route path=path!("/catalog/lists") view=pages::catalog_lists::CatalogListsPage />
                <Route path=path!("/members") view=pages::members::MembersPage />
                <Route path=path!("/settings") view=pages::settings::SettingsPage />
                <Route path=path!("/profile") view=pages::profile::ProfilePage />
                <Route path=path!("/audit") view=pages::audit::AuditPage />
                <Route path=path!("/reports") view=pages::reports::ReportsPage />
                <Route path=path!("/purchases") view=pages::purchases::PurchasesPage />
                <Route path=path!("/purchases/:id") view=pages::purchases::PurchasePage />
                <Route path=path!("/books") view=pages::books::BooksPage />
                <Route path=path!("/books/journal") view=pages::books_journal::BooksJournalPage />
                <Route path=path!("/books/accounts") view=pages::books_accounts::BooksAccountsPage />
                <Route path=path!("/invite/:token") view=pages::invite::InvitePage />
            </Routes>
        }
        .into_any()
    })
}

/// The till's browser bundle: the same frame, only the till's route. Any other
/// page reached from the till (a header link) is loaded in full, with the back
/// office's bundle.
#[component]
pub fn TillApp() -> impl IntoView {
    frame(|| {
        view! {
            <Routes fallback=FullLoad>
                <Route path=path!("/pos") view=pages::pos::PosPage />
            </Routes>
        }
        .into_any()
    })
}

/// What is around every page, built the same way for the server and for both
/// browser bundles: hydration walks this tree, so it must not differ.
fn frame(routes: impl FnOnce() -> AnyView + Send + 'static) -> impl IntoView {
    provide_meta_context();
    let page_ctx: PageContextResource = Resource::new_blocking(|| (), |_| load_page_context());
    provide_context(page_ctx);
    view! {
        <Title text="Shopfloor" />
        <Router>
            <components::layout::Header />
            <main class="mx-auto max-w-5xl px-4 py-8">{routes()}</main>
        </Router>
    }
}

/// A page this bundle does not hold: loaded from the server in full.
#[component]
fn FullLoad() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let (path, query) = (location.pathname.get_untracked(), location.search.get_untracked());
    go_to(&if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    });
    view! { <p class="text-sm text-slate-500">"Loading…"</p> }
}

/// Full page load to `url` (after sign-in, sign-up, log-out), so every part of
/// the page is drawn again for the new identity; may change host.
pub fn go_to(url: &str) {
    #[cfg(feature = "hydrate")]
    {
        if let Err(error) = window().location().set_href(url) {
            leptos::logging::error!("navigation failed: {error:?}");
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = url;
}

/// The currency of the business this page belongs to (amounts on member pages
/// are shown as `12.40 EUR`).
pub fn currency_of(ctx: &PageContext) -> crate::pricing::Currency {
    match &ctx.site {
        crate::model::Site::Tenant(t) => crate::pricing::Currency::new(&t.currency),
        _ => crate::pricing::Currency::default(),
    }
}

/// Whether the signed-in member's role holds `permission` (to hide what they
/// cannot use; the server enforces it regardless).
pub fn role_can(ctx: &PageContext, permission: crate::permissions::Permission) -> bool {
    ctx.user
        .as_ref()
        .and_then(|u| u.role)
        .is_some_and(|role| crate::permissions::allows(role, permission))
}
