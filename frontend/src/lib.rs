//! The hydrate entry point: compiled to wasm32 and loaded by the SSR page.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::ui::App);
    // The page answers input from here on: marked so that end-to-end tests
    // (and anyone looking) can wait for it after a full page load.
    if let Some(root) = leptos::prelude::document().document_element() {
        let _ = root.set_attribute("data-wasm", "hydrated");
    }
}
