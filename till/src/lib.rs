//! The till's hydrate entry point: `/pos` is served with this bundle instead
//! of the back office's (`app::ui::shell` chooses), so the till downloads and
//! compiles only the frame and its own page.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::ui::TillApp);
    // The same marker as the back office's bundle: end-to-end tests wait for it.
    if let Some(root) = leptos::prelude::document().document_element() {
        let _ = root.set_attribute("data-wasm", "hydrated");
    }
}
