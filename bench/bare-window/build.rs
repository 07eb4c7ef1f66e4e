//! Tauri build step: embeds `dist/` and the window's (empty) capability.

fn main() {
    tauri_build::build();
}
