//! # vmcheck-x11-repaint
//!
//! The desktop window's repaints reach the X server in the X requests themselves, not through a
//! shared-memory pool.
//!
//! On X11, WebKit hands each repaint of the page to cairo, which copies it to the X server
//! through the MIT-SHM extension: a System V shared-memory pool (32 MB for the app's window),
//! which cairo carves up with a buddy allocator and gives back only when every block in it is
//! free. Each page of the pool a repaint has written stays resident, in the app and in the X
//! server, and each key typed takes new space while earlier repaints are still in flight: 4 MB
//! after the first paint, 8 MB after a sign-in and one lookup, and more as a day of typing goes
//! on, up to the whole pool (README, "Performance"). Without MIT-SHM, cairo sends the same pixels
//! in `PutImage` requests; the repaints of a form (a field, a banner, a screen) are small, and
//! their memory is the request's, freed once it is written to the connection.
//!
//! cairo has no setting for it: it uses MIT-SHM whenever `XShmQueryExtension` says the display
//! has it. A program that links this crate defines that function itself, answering "no", and
//! exports it (its build script calls [`export_from_build_script`]; a linker also exports, unasked,
//! a definition that a library on the link line uses, as libcairo is today, but the program does
//! not rely on that), so the dynamic loader binds cairo's call to the program's definition before
//! libXext's — for this process only. The training end-to-end test checks that the app maps no
//! such pool after typing and a lookup. Nothing
//! else in the process asks Xlib for MIT-SHM: GTK and WebKit do not, and Mesa's software GL
//! (compositing mode) attaches its own segments without asking.
//!
//! [`keep`] is called from `main` so that the linker keeps the definition. Elsewhere than
//! Linux there is no X11 and nothing to do.

/// Xlib's `XShmQueryExtension(Display *)`, as cairo calls it: `False` (0), whatever the display.
///
/// It reads nothing through the pointer it is given.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
// SAFETY (of the exported name): `XShmQueryExtension` is Xlib's, with this signature
// (`Bool XShmQueryExtension(Display *)`, `Bool` an `int`); defining it here replaces libXext's
// answer for the whole process, which is the point, and the function dereferences nothing.
#[no_mangle]
pub extern "C" fn XShmQueryExtension(_display: *mut std::ffi::c_void) -> std::ffi::c_int {
    0
}

/// Keeps the definition in the program: call it once from `main`.
#[cfg(target_os = "linux")]
pub fn keep() {
    std::hint::black_box(XShmQueryExtension as extern "C" fn(_) -> _);
}

/// Keeps the definition in the program: here there is none.
#[cfg(not(target_os = "linux"))]
pub fn keep() {}

/// For the program's build script: on a Linux target (`CARGO_CFG_TARGET_OS`), asks the linker to
/// put the definition above in the program's dynamic symbol table, where the loader finds it
/// first (`--export-dynamic-symbol`); elsewhere nothing.
pub fn export_from_build_script() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-Wl,--export-dynamic-symbol=XShmQueryExtension");
    }
}
