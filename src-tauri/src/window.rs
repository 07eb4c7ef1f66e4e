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

/// The web engine's settings, read from the environment by the web process WebKit starts for the
/// page, so set before anything else runs (one thread: nothing reads the environment meanwhile).
/// An explicit value in the environment is kept.
/// - JavaScriptCore runs the page without its JIT compilers: the page is a form and a few tables,
///   which its interpreter draws in time, while the JIT tiers' code and memory cost the web
///   process about 8 MB (README, "Performance") and their writable-executable memory is attack
///   surface a page of patient data can do without.
/// - Its garbage collector starts after 1 MB of allocation, as it does for any small heap, rather
///   than the 32 MB it allows a web page: the page's garbage (earlier screens, the commands'
///   replies) is collected and its memory given back instead of kept (0.6 MB after a lookup).
pub const WEB_ENGINE_ENV: [(&str, &str); 2] =
    [("JSC_useJIT", "false"), ("JSC_largeHeapSize", "1048576")];

/// Sets [`WEB_ENGINE_ENV`] where the environment does not say otherwise.
pub fn set_web_engine_env() {
    for (name, value) in WEB_ENGINE_ENV {
        if std::env::var_os(name).is_none() {
            std::env::set_var(name, value);
        }
    }
}

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
