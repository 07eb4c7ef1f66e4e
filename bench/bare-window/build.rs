//! Tauri build step: embeds `dist/` and the window's (empty) capability; the window's repaints
//! over the X connection, as the app's (crates/x11-repaint).

fn main() {
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if let Some(arg) = vmcheck_x11_repaint::link_arg_for(&target_os) {
        println!("cargo:rustc-link-arg-bins={arg}");
    }
    tauri_build::build();
}
