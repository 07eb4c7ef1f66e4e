//! The main window and its policy: a normal window at a desk; at a kiosk fullscreen, without
//! decorations, not resizable or closable from the window, always on top, no context menu, no
//! devtools. In every mode the webview never navigates away from the app.

use tauri::{App, Manager, WebviewUrl, WebviewWindowBuilder, WindowEvent};

/// Whether a URL is the app itself (the only place the webview may be).
pub fn is_app_url(url: &tauri::Url) -> bool {
    matches!(url.scheme(), "tauri")
        || (url.scheme() == "http" && url.host_str() == Some("tauri.localhost"))
}

/// Runs before the page's scripts: `window.close()` does nothing. On Linux wry answers WebKit's
/// `close` signal by destroying the webview, which would leave an empty window (a blank kiosk)
/// with the app still running; Tauri's close-requested handler never sees it.
const NO_SCRIPT_CLOSE: &str =
    "Object.defineProperty(window, 'close', { value: function close() {}, writable: false, configurable: false });";

/// Builds the main window.
pub fn create(app: &App, kiosk: bool) -> tauri::Result<()> {
    let mut builder = WebviewWindowBuilder::new(app, "main", WebviewUrl::App("index.html".into()))
        .title("V&M Check")
        .initialization_script(NO_SCRIPT_CLOSE)
        .on_navigation(is_app_url);
    builder = if kiosk {
        builder
            .fullscreen(true)
            .decorations(false)
            .resizable(false)
            .closable(false)
            .minimizable(false)
            .maximizable(false)
            .always_on_top(true)
            .devtools(false)
    } else {
        // The Worklist screen takes a file dropped on it as the page's own drop event (the
        // page refuses every other drop, so nothing dropped can navigate the webview).
        builder
            .inner_size(1200.0, 860.0)
            .min_inner_size(800.0, 600.0)
            .disable_drag_drop_handler()
    };
    let window = builder.build()?;
    // WebKitGTK's native menu offers Back/Forward/Reload and Inspect even in release builds:
    // at a kiosk no menu at all; at a desk only the editing actions (cut, copy, paste…).
    #[cfg(target_os = "linux")]
    window.with_webview(move |webview| {
        use webkit2gtk::{ContextMenuAction, ContextMenuExt, ContextMenuItemExt, WebViewExt};
        webview.inner().connect_context_menu(move |_, menu, _, _| {
            if kiosk {
                return true;
            }
            let editing = |a: ContextMenuAction| {
                matches!(
                    a,
                    ContextMenuAction::Copy
                        | ContextMenuAction::Cut
                        | ContextMenuAction::Paste
                        | ContextMenuAction::Delete
                        | ContextMenuAction::SelectAll
                        | ContextMenuAction::SpellingGuess
                        | ContextMenuAction::IgnoreSpelling
                        | ContextMenuAction::LearnSpelling
                )
            };
            for item in menu.items() {
                if !editing(item.stock_action()) {
                    menu.remove(&item);
                }
            }
            // Suppress the menu when nothing useful is left.
            menu.n_items() == 0
        });
    })?;
    if kiosk {
        let w = window.clone();
        window.on_window_event(move |event| {
            if let WindowEvent::CloseRequested { api, .. } = event {
                api.prevent_close();
                let _ = w.set_focus();
            }
        });
    }
    let _ = app.get_webview_window("main");
    Ok(())
}
