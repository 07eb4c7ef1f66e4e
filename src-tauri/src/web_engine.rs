//! The web engine's settings, for the app and for `bench/bare-window` (which includes this file,
//! so the yardstick runs the same engine): plain `std`, nothing of the app's.

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
