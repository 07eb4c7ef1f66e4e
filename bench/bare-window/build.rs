//! Tauri build step: embeds `dist/` and the window's (empty) capability; the window's repaints
//! over the X connection, as the app's (crates/x11-repaint).

fn main() {
    vmcheck_x11_repaint::export_from_build_script();
    tauri_build::build();
}
