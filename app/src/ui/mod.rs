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
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased">
                <App />
            </body>
        </html>
    }
}

/// Who is signed in where: loaded once per page (blocking, so redirects and
/// status codes are decided before the first byte) and shared by every page.
pub type PageContextResource = Resource<Result<PageContext, AppError>>;

pub fn use_page_context() -> PageContextResource {
    expect_context::<PageContextResource>()
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let page_ctx: PageContextResource = Resource::new_blocking(|| (), |_| load_page_context());
    provide_context(page_ctx);
    view! {
        <Title text="Shopfloor" />
        <Router>
            <components::layout::Header />
            <main class="mx-auto max-w-5xl px-4 py-8">
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
                    <Route path=path!("/customers") view=pages::customers::CustomersPage />
                    <Route path=path!("/customers/:id") view=pages::customers::CustomerPage />
                    <Route path=path!("/catalog/lists") view=pages::catalog_lists::CatalogListsPage />
                    <Route path=path!("/members") view=pages::members::MembersPage />
                    <Route path=path!("/settings") view=pages::settings::SettingsPage />
                    <Route path=path!("/profile") view=pages::profile::ProfilePage />
                    <Route path=path!("/audit") view=pages::audit::AuditPage />
                    <Route path=path!("/reports") view=pages::reports::ReportsPage />
                    <Route path=path!("/invite/:token") view=pages::invite::InvitePage />
                </Routes>
            </main>
        </Router>
    }
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
