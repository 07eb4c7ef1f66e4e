//! The X11 side of the app's window, seen from the test as a window manager would see it (the
//! properties a WM reads, the `WM_DELETE_WINDOW` message it sends for a close button or Alt+F4),
//! and real keyboard and mouse input through XTEST — the path a person's keys and clicks take,
//! unlike WebDriver's synthetic events. Pure Rust (`x11rb`): nothing to install beyond Xvfb.

use std::time::Duration;

use x11rb::connection::Connection;
use x11rb::properties::WmSizeHints;
use x11rb::protocol::xproto::{
    Atom, AtomEnum, ClientMessageEvent, ConfigureWindowAux, ConnectionExt as _, EventMask,
    MapState, Window, BUTTON_PRESS_EVENT, BUTTON_RELEASE_EVENT, CLIENT_MESSAGE_EVENT,
    KEY_PRESS_EVENT, KEY_RELEASE_EVENT, MOTION_NOTIFY_EVENT,
};
use x11rb::protocol::xtest::ConnectionExt as _;
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;
use x11rb::CURRENT_TIME;

/// Key symbols used by the tests (X11 `keysymdef.h`).
pub mod keysym {
    /// BackSpace.
    pub const BACKSPACE: u32 = 0xff08;
    /// Return (Enter).
    pub const RETURN: u32 = 0xff0d;
    /// Escape.
    pub const ESCAPE: u32 = 0xff1b;
    /// Home.
    pub const HOME: u32 = 0xff50;
    /// Left arrow.
    pub const LEFT: u32 = 0xff51;
    /// Right arrow.
    pub const RIGHT: u32 = 0xff53;
    /// F4.
    pub const F4: u32 = 0xffc1;
    /// F5.
    pub const F5: u32 = 0xffc2;
    /// F11.
    pub const F11: u32 = 0xffc8;
    /// F12.
    pub const F12: u32 = 0xffc9;
    /// Left Shift.
    pub const SHIFT_L: u32 = 0xffe1;
    /// Left Control.
    pub const CONTROL_L: u32 = 0xffe3;
    /// Left Alt.
    pub const ALT_L: u32 = 0xffe9;
    /// Menu (the context-menu key).
    pub const MENU: u32 = 0xff67;
    /// `r`.
    pub const R: u32 = 0x72;
    /// `w`.
    pub const W: u32 = 0x77;
    /// `q`.
    pub const Q: u32 = 0x71;
    /// `i`.
    pub const I: u32 = 0x69;
}

/// A size in pixels, from `WM_NORMAL_HINTS`.
pub type Size = (i32, i32);

/// A top-level window.
#[derive(Debug, Clone)]
pub struct TopWindow {
    /// The X id.
    pub id: Window,
    /// Mapped and viewable.
    pub viewable: bool,
    /// Override-redirect (menus, tooltips: windows a WM does not manage).
    pub override_redirect: bool,
    /// Geometry on the root window.
    pub rect: (i32, i32, u32, u32),
}

/// A connection to the display in `$DISPLAY`.
pub struct X {
    conn: RustConnection,
    root: Window,
}

fn fail<E: std::fmt::Debug>(what: &str) -> impl FnOnce(E) -> String + '_ {
    move |e| format!("X11 {what}: {e:?}")
}

impl X {
    /// Connects to `$DISPLAY` (with `$XAUTHORITY`, as xvfb-run sets them).
    pub fn connect() -> Self {
        let (conn, screen) = x11rb::connect(None)
            .unwrap_or_else(|e| panic!("cannot connect to the X display $DISPLAY: {e}"));
        let root = conn.setup().roots[screen].root;
        Self { conn, root }
    }

    /// An atom by name.
    pub fn atom(&self, name: &str) -> Atom {
        self.conn
            .intern_atom(false, name.as_bytes())
            .map_err(fail("intern_atom"))
            .and_then(|c| c.reply().map_err(fail("intern_atom")))
            .map(|r| r.atom)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// An atom's name.
    pub fn atom_name(&self, atom: Atom) -> String {
        self.conn
            .get_atom_name(atom)
            .ok()
            .and_then(|c| c.reply().ok())
            .map(|r| String::from_utf8_lossy(&r.name).into_owned())
            .unwrap_or_default()
    }

    /// The root window's children (top-level windows), bottom to top.
    pub fn top_windows(&self) -> Vec<TopWindow> {
        let tree = self
            .conn
            .query_tree(self.root)
            .map_err(fail("query_tree"))
            .and_then(|c| c.reply().map_err(fail("query_tree")))
            .unwrap_or_else(|e| panic!("{e}"));
        tree.children
            .iter()
            .filter_map(|&id| {
                let attrs = self.conn.get_window_attributes(id).ok()?.reply().ok()?;
                let geo = self.conn.get_geometry(id).ok()?.reply().ok()?;
                Some(TopWindow {
                    id,
                    viewable: attrs.map_state == MapState::VIEWABLE,
                    override_redirect: attrs.override_redirect,
                    rect: (
                        i32::from(geo.x),
                        i32::from(geo.y),
                        u32::from(geo.width),
                        u32::from(geo.height),
                    ),
                })
            })
            .collect()
    }

    /// The viewable top-level windows.
    pub fn viewable(&self) -> Vec<TopWindow> {
        self.top_windows()
            .into_iter()
            .filter(|w| w.viewable)
            .collect()
    }

    /// A property as 32-bit values (CARDINAL, ATOM, WINDOW…); empty when absent.
    pub fn property32(&self, window: Window, name: &str) -> Vec<u32> {
        let atom = self.atom(name);
        self.conn
            .get_property(false, window, atom, AtomEnum::ANY, 0, 1024)
            .ok()
            .and_then(|c| c.reply().ok())
            .and_then(|r| r.value32().map(|v| v.collect()))
            .unwrap_or_default()
    }

    /// The viewable top-level window whose `_NET_WM_PID` is `pid`.
    pub fn window_of_pid(&self, pid: u32) -> Option<Window> {
        self.viewable()
            .into_iter()
            .find(|w| self.property32(w.id, "_NET_WM_PID") == [pid])
            .map(|w| w.id)
    }

    /// Waits up to `timeout` for the window of `pid`.
    pub fn wait_window_of_pid(&self, pid: u32, timeout: Duration) -> Window {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if let Some(w) = self.window_of_pid(pid) {
                return w;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no viewable X window with _NET_WM_PID = {pid}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `_NET_WM_STATE`, as atom names.
    pub fn net_wm_state(&self, window: Window) -> Vec<String> {
        self.property32(window, "_NET_WM_STATE")
            .into_iter()
            .map(|a| self.atom_name(a))
            .collect()
    }

    /// `WM_NORMAL_HINTS` as (min size, max size).
    pub fn size_hints(&self, window: Window) -> (Option<Size>, Option<Size>) {
        let hints = WmSizeHints::get_normal_hints(&self.conn, window)
            .ok()
            .and_then(|c| c.reply().ok())
            .flatten();
        match hints {
            Some(h) => (h.min_size, h.max_size),
            None => (None, None),
        }
    }

    /// Whether `_MOTIF_WM_HINTS` asks for no decorations (flags bit 2 set, decorations 0).
    pub fn undecorated(&self, window: Window) -> bool {
        let v = self.property32(window, "_MOTIF_WM_HINTS");
        v.len() >= 3 && v[0] & 2 != 0 && v[2] == 0
    }

    /// The window's geometry on the root window.
    pub fn rect(&self, window: Window) -> (i32, i32, u32, u32) {
        let geo = self
            .conn
            .get_geometry(window)
            .map_err(fail("get_geometry"))
            .and_then(|c| c.reply().map_err(fail("get_geometry")))
            .unwrap_or_else(|e| panic!("{e}"));
        let t = self
            .conn
            .translate_coordinates(window, self.root, 0, 0)
            .map_err(fail("translate_coordinates"))
            .and_then(|c| c.reply().map_err(fail("translate_coordinates")))
            .unwrap_or_else(|e| panic!("{e}"));
        (
            i32::from(t.dst_x),
            i32::from(t.dst_y),
            u32::from(geo.width),
            u32::from(geo.height),
        )
    }

    /// Moves a window by a pixel and back, as a window manager does when it places a window:
    /// the client gets the ConfigureNotify it waits for (tao applies `resizable` on the first
    /// configure event, which a bare Xvfb never sends).
    pub fn nudge(&self, window: Window) {
        let (x, y, _, _) = self.rect(window);
        for (nx, ny) in [(x + 1, y), (x, y)] {
            let _ = self
                .conn
                .configure_window(window, &ConfigureWindowAux::new().x(nx).y(ny));
            self.flush();
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Sends `WM_PROTOCOLS`/`WM_DELETE_WINDOW`: what a window manager sends when the user
    /// clicks the close button or presses Alt+F4.
    pub fn send_delete_window(&self, window: Window) {
        let protocols = self.atom("WM_PROTOCOLS");
        let delete = self.atom("WM_DELETE_WINDOW");
        let event = ClientMessageEvent::new(32, window, protocols, [delete, CURRENT_TIME, 0, 0, 0]);
        debug_assert_eq!(event.response_type, CLIENT_MESSAGE_EVENT);
        self.conn
            .send_event(false, window, EventMask::NO_EVENT, event)
            .map_err(fail("send_event"))
            .unwrap_or_else(|e| panic!("{e}"));
        self.flush();
    }

    fn flush(&self) {
        let _ = self.conn.flush();
        let _ = self.conn.sync();
    }

    fn fake(&self, kind: u8, detail: u8, x: i16, y: i16) {
        self.conn
            .xtest_fake_input(kind, detail, CURRENT_TIME, self.root, x, y, 0)
            .map_err(fail("XTEST fake_input"))
            .unwrap_or_else(|e| panic!("{e} (does the X server have XTEST? Xvfb does)"));
        self.flush();
    }

    /// Moves the pointer (so keyboard focus, PointerRoot under a bare Xvfb, is on that window).
    pub fn move_pointer(&self, x: i32, y: i32) {
        self.fake(MOTION_NOTIFY_EVENT, 0, clamp16(x), clamp16(y));
        std::thread::sleep(Duration::from_millis(50));
    }

    /// A real mouse click (button 1 left, 3 right) at root coordinates.
    pub fn click(&self, x: i32, y: i32, button: u8) {
        self.move_pointer(x, y);
        self.fake(BUTTON_PRESS_EVENT, button, 0, 0);
        std::thread::sleep(Duration::from_millis(30));
        self.fake(BUTTON_RELEASE_EVENT, button, 0, 0);
    }

    /// The keycode for a keysym, if the keyboard map has it.
    pub fn keycode(&self, sym: u32) -> Option<u8> {
        let setup = self.conn.setup();
        let (min, max) = (setup.min_keycode, setup.max_keycode);
        let map = self
            .conn
            .get_keyboard_mapping(min, max - min + 1)
            .ok()?
            .reply()
            .ok()?;
        let per = usize::from(map.keysyms_per_keycode);
        map.keysyms
            .chunks(per.max(1))
            .position(|syms| syms.contains(&sym))
            .and_then(|i| u8::try_from(i).ok())
            .map(|i| min + i)
    }

    /// Types `text` key by key, as a person types: digits, lower-case letters and the other
    /// characters a US keyboard has without Shift (their keysyms are their ASCII codes).
    pub fn type_text(&self, text: &str) {
        for c in text.chars() {
            self.chord(&[u32::from(c)]);
        }
    }

    /// Presses the keys in order and releases them in reverse (a chord such as Ctrl+R).
    pub fn chord(&self, syms: &[u32]) {
        let codes: Vec<u8> = syms
            .iter()
            .map(|&s| {
                self.keycode(s)
                    .unwrap_or_else(|| panic!("keysym {s:#x} is not in the keyboard map"))
            })
            .collect();
        for &c in &codes {
            self.fake(KEY_PRESS_EVENT, c, 0, 0);
            std::thread::sleep(Duration::from_millis(20));
        }
        for &c in codes.iter().rev() {
            self.fake(KEY_RELEASE_EVENT, c, 0, 0);
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn clamp16(v: i32) -> i16 {
    i16::try_from(v.clamp(i32::from(i16::MIN), i32::from(i16::MAX))).unwrap_or(0)
}
