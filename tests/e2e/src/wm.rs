//! The kiosk under a real window manager: an Xvfb display of a chosen size started by the test,
//! openbox with the kiosk session's configuration (`packaging/kiosk/rc.xml`), other programs on
//! the same display, and what a user sees there — the windows openbox manages, their frames and
//! stacking order, the active window, and the screen's pixels.
//!
//! Every process started here is recorded in the stack's directory (`NAME.pid` + `NAME.start`),
//! so the stack stops it by PID with the rest (`harness.sh stop`, also from the watcher when the
//! test process is killed); each is also stopped by PID when its value is dropped.
//!
//! A reparenting window manager puts each application window (the *client*) inside a *frame*
//! of its own, a child of the root window: stacking is the frames' order among the root's
//! children; `_NET_*` properties are on the clients.

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{
    AtomEnum, ChangeWindowAttributesAux, ConnectionExt as _, ImageFormat, ImageOrder, MapState,
    Window, WindowClass, KEY_PRESS_EVENT, KEY_RELEASE_EVENT,
};
use x11rb::protocol::xtest::ConnectionExt as _;
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;
use x11rb::CURRENT_TIME;

use crate::*;

/// Key symbols the window manager tests press beyond [`crate::x11::keysym`].
pub mod keysym {
    /// Tab.
    pub const TAB: u32 = 0xff09;
    /// Left Super (the "Windows" key).
    pub const SUPER_L: u32 = 0xffeb;
    /// Space.
    pub const SPACE: u32 = 0x20;
    /// `d`.
    pub const D: u32 = 0x64;
}

/// The kiosk session's openbox configuration in this tree.
pub fn kiosk_rc() -> PathBuf {
    canonical(workspace().join("packaging/kiosk/rc.xml"))
}

/// The kiosk session script in this tree.
pub fn kiosk_session_script() -> PathBuf {
    canonical(workspace().join("packaging/kiosk/vmcheck-kiosk-session"))
}

/// Records a process the test did not spawn itself (one a script started) in the stack's
/// directory, so the stack stops it by PID.
pub fn record(stack: &Stack, name: &str, pid: u32) {
    Pid::of(pid).record(stack.dir(), name);
}

/// A process started by a test beside the stack: recorded in the stack's directory (so the
/// stack, or its watcher, stops it by PID), stopped by PID when dropped.
pub struct Started {
    /// Its name in the stack's directory (`NAME.pid`) and in messages.
    pub name: String,
    child: Option<Child>,
    dir: PathBuf,
}

impl Started {
    /// Spawns `cmd` (standard output and error to `DIR/NAME.log`) and records it in the stack's
    /// directory.
    pub fn spawn(stack: &Stack, name: &str, mut cmd: Command) -> Self {
        let log = std::fs::File::create(stack.dir().join(format!("{name}.log")))
            .unwrap_or_else(|e| panic!("create {name}.log: {e}"));
        let log2 = log.try_clone().expect("log file");
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} ({cmd:?}): {e}"));
        Pid::of(child.id()).record(stack.dir(), name);
        Self {
            name: name.to_owned(),
            child: Some(child),
            dir: stack.dir().to_path_buf(),
        }
    }

    /// The PID.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Whether it still runs.
    pub fn running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// The end of its log.
    pub fn log(&self) -> String {
        tail(&self.dir.join(format!("{}.log", self.name)), 3000)
    }

    /// SIGTERM, then SIGKILL after 5 s; forgets the record.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            stop_child(&mut c, Duration::from_secs(5));
            forget(&self.dir, &self.name);
        }
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        self.stop();
    }
}

/// An Xvfb display of a given size, started by the test and made the process's `$DISPLAY` (so
/// the stack's tauri-driver, the app, openbox and [`Screen`] use it) until it is dropped.
///
/// `tests/e2e/run.sh` runs every test under one `xvfb-run` display of a fixed size, and Xvfb's
/// RandR cannot grow a screen past the size it started with: a test that needs a screen size of
/// its own starts its own server.
pub struct Display {
    /// `:N`.
    pub name: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    child: Option<Child>,
    previous: Option<OsString>,
    recorded: Option<PathBuf>,
}

impl Display {
    /// Starts `Xvfb -displayfd` (the server picks a free display number and says it when ready)
    /// with one `WIDTHxHEIGHTx24` screen, and sets `$DISPLAY` to it. Call before
    /// [`Stack::start`]; then [`Display::record`].
    pub fn start(width: u32, height: u32) -> Self {
        let xvfb = require_program(
            "Xvfb",
            "install the Debian package xvfb (scripts/setup.sh does)",
        );
        let mut child = Command::new(xvfb)
            .args(["-displayfd", "1", "-screen", "0"])
            .arg(format!("{width}x{height}x24"))
            .args(["-nolisten", "tcp", "-noreset", "-dpi", "96"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start Xvfb");
        let stdout = child.stdout.take().expect("Xvfb's stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = tx.send(line);
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        });
        let line = match rx.recv_timeout(Duration::from_secs(15)) {
            Ok(line) if !line.trim().is_empty() => line,
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("Xvfb ({width}x{height}) did not say its display number in 15 s");
            }
        };
        let name = format!(":{}", line.trim());
        let previous = std::env::var_os("DISPLAY");
        // The tests run one at a time (`--test-threads=1`), and nothing else in this process
        // reads the environment while this is set.
        std::env::set_var("DISPLAY", &name);
        Self {
            name,
            width,
            height,
            child: Some(child),
            previous,
            recorded: None,
        }
    }

    /// Records the server in the stack's directory: the stack stops it by PID with everything
    /// else (after the app), also when the test process is killed.
    pub fn record(&mut self, stack: &Stack) {
        if let Some(c) = &self.child {
            Pid::of(c.id()).record(stack.dir(), "xvfb");
            self.recorded = Some(stack.dir().to_path_buf());
        }
    }

    /// `WIDTHxHEIGHT`.
    pub fn size(&self) -> String {
        format!("{}x{}", self.width, self.height)
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            stop_child(&mut c, Duration::from_secs(5));
        }
        if let Some(dir) = self.recorded.take() {
            forget(&dir, "xvfb");
        }
        match self.previous.take() {
            Some(d) => std::env::set_var("DISPLAY", d),
            None => std::env::remove_var("DISPLAY"),
        }
    }
}

/// Openbox on `$DISPLAY`.
pub struct Openbox {
    /// The process.
    pub process: Started,
}

impl Openbox {
    /// `openbox --config-file RC`, recorded as `openbox` in the stack's directory; returns once
    /// it manages the screen (`_NET_SUPPORTING_WM_CHECK` on the root window).
    pub fn start(stack: &Stack, rc: &Path) -> Self {
        let openbox = require_program(
            "openbox",
            "install the Debian package openbox (scripts/setup.sh does)",
        );
        let mut cmd = Command::new(openbox);
        cmd.arg("--config-file").arg(rc).arg("--sm-disable");
        let mut process = Started::spawn(stack, "openbox", cmd);
        let screen = Screen::connect();
        let deadline = Instant::now() + Duration::from_secs(10);
        while screen.wm_check().is_none() {
            assert!(
                process.running(),
                "openbox exited at start: {}",
                process.log()
            );
            assert!(
                Instant::now() < deadline,
                "openbox did not manage the screen in 10 s: {}",
                process.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { process }
    }

    /// With the kiosk session's configuration (`packaging/kiosk/rc.xml`).
    pub fn kiosk(stack: &Stack) -> Self {
        Self::start(stack, &kiosk_rc())
    }

    /// Openbox's own default configuration (`/etc/xdg/openbox/rc.xml`): the control.
    pub fn stock(stack: &Stack) -> Self {
        Self::start(stack, Path::new("/etc/xdg/openbox/rc.xml"))
    }

    /// Whether it still runs.
    pub fn running(&mut self) -> bool {
        self.process.running()
    }

    /// What openbox said (a configuration it could not read shows here).
    pub fn log(&self) -> String {
        self.process.log()
    }
}

/// One child of the root window (a frame, or an unmanaged window such as a menu).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toplevel {
    /// The X id.
    pub id: Window,
    /// Mapped and viewable.
    pub viewable: bool,
    /// Override-redirect: not managed by the WM (menus, tooltips, popups).
    pub override_redirect: bool,
    /// InputOutput (drawn), not InputOnly.
    pub drawn: bool,
    /// x, y, width, height on the root window.
    pub rect: (i32, i32, u32, u32),
}

impl Toplevel {
    /// Whether it can be seen: viewable, drawn, and on the screen by at least one pixel
    /// (openbox keeps a 1×1 check window off screen).
    pub fn seen_on(&self, width: u32, height: u32) -> bool {
        let (x, y, w, h) = self.rect;
        self.viewable
            && self.drawn
            && x < width as i32
            && y < height as i32
            && x + w as i32 > 0
            && y + h as i32 > 0
    }
}

impl std::fmt::Display for Toplevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (x, y, w, h) = self.rect;
        write!(
            f,
            "{:#x} {w}x{h}+{x}+{y}{}",
            self.id,
            if self.override_redirect {
                " (override-redirect: a menu or popup)"
            } else {
                ""
            }
        )
    }
}

/// The screen as a user and a window manager see it, over a connection of the test's own.
pub struct Screen {
    conn: RustConnection,
    root: Window,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// An RGB image (8 bits a channel, rows top to bottom).
#[derive(Clone)]
pub struct Image {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 3` bytes.
    pub rgb: Vec<u8>,
}

fn x_fail<E: std::fmt::Debug>(what: &str) -> impl FnOnce(E) -> String + '_ {
    move |e| format!("X11 {what}: {e:?}")
}

impl Screen {
    /// Connects to `$DISPLAY`.
    pub fn connect() -> Self {
        let (conn, n) = x11rb::connect(None)
            .unwrap_or_else(|e| panic!("cannot connect to the X display $DISPLAY: {e}"));
        let s = &conn.setup().roots[n];
        let (root, width, height) = (
            s.root,
            u32::from(s.width_in_pixels),
            u32::from(s.height_in_pixels),
        );
        Self {
            conn,
            root,
            width,
            height,
        }
    }

    fn atom(&self, name: &str) -> u32 {
        self.conn
            .intern_atom(false, name.as_bytes())
            .map_err(x_fail("intern_atom"))
            .and_then(|c| c.reply().map_err(x_fail("intern_atom")))
            .map(|r| r.atom)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn atom_name(&self, atom: u32) -> String {
        self.conn
            .get_atom_name(atom)
            .ok()
            .and_then(|c| c.reply().ok())
            .map(|r| String::from_utf8_lossy(&r.name).into_owned())
            .unwrap_or_default()
    }

    /// A property as 32-bit values; empty when absent (or the window is gone).
    pub fn property32(&self, window: Window, name: &str) -> Vec<u32> {
        let atom = self.atom(name);
        self.conn
            .get_property(false, window, atom, AtomEnum::ANY, 0, 1024)
            .ok()
            .and_then(|c| c.reply().ok())
            .and_then(|r| r.value32().map(Iterator::collect))
            .unwrap_or_default()
    }

    /// A property as text (`WM_CLASS` parts are NUL-separated); empty when absent.
    pub fn property_text(&self, window: Window, name: &str) -> String {
        let atom = self.atom(name);
        self.conn
            .get_property(false, window, atom, AtomEnum::ANY, 0, 1024)
            .ok()
            .and_then(|c| c.reply().ok())
            .map(|r| String::from_utf8_lossy(&r.value).replace('\0', " "))
            .unwrap_or_default()
            .trim()
            .to_owned()
    }

    /// The window manager's check window (`_NET_SUPPORTING_WM_CHECK`), once a WM runs.
    pub fn wm_check(&self) -> Option<Window> {
        self.property32(self.root, "_NET_SUPPORTING_WM_CHECK")
            .first()
            .copied()
    }

    /// The managed windows (`_NET_CLIENT_LIST`), oldest first.
    pub fn clients(&self) -> Vec<Window> {
        self.property32(self.root, "_NET_CLIENT_LIST")
    }

    /// The managed windows bottom to top (`_NET_CLIENT_LIST_STACKING`).
    pub fn clients_stacking(&self) -> Vec<Window> {
        self.property32(self.root, "_NET_CLIENT_LIST_STACKING")
    }

    /// `_NET_ACTIVE_WINDOW` (none, or 0, when nothing is active).
    pub fn active(&self) -> Option<Window> {
        self.property32(self.root, "_NET_ACTIVE_WINDOW")
            .first()
            .copied()
            .filter(|&w| w != 0)
    }

    /// The managed window of process `pid` (`_NET_WM_PID`).
    pub fn client_of_pid(&self, pid: u32) -> Option<Window> {
        self.clients()
            .into_iter()
            .find(|&w| self.property32(w, "_NET_WM_PID") == [pid])
    }

    /// The managed window whose `WM_CLASS` contains `class`, other than `except`.
    pub fn client_of_class(&self, class: &str, except: &[Window]) -> Option<Window> {
        self.clients()
            .into_iter()
            .find(|w| !except.contains(w) && self.property_text(*w, "WM_CLASS").contains(class))
    }

    /// Waits up to `timeout` for `find` to return a window.
    pub fn wait_for(
        &self,
        what: &str,
        timeout: Duration,
        find: impl Fn(&Self) -> Option<Window>,
    ) -> Window {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(w) = find(self) {
                return w;
            }
            assert!(
                Instant::now() < deadline,
                "{what}: not managed by the window manager after {} s (managed: {:?})",
                timeout.as_secs(),
                self.describe_clients()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits up to `timeout` until `cond` holds; returns whether it did.
    pub fn wait_until(&self, timeout: Duration, cond: impl Fn(&Self) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if cond(self) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The managed windows with their class and state, for messages.
    pub fn describe_clients(&self) -> Vec<String> {
        self.clients()
            .into_iter()
            .map(|w| {
                format!(
                    "{w:#x} [{}] pid {:?} {:?}",
                    self.property_text(w, "WM_CLASS"),
                    self.property32(w, "_NET_WM_PID"),
                    self.net_wm_state(w)
                )
            })
            .collect()
    }

    /// The top-level ancestor of `window` (its frame under a reparenting WM).
    pub fn frame_of(&self, window: Window) -> Window {
        let mut w = window;
        for _ in 0..16 {
            let Some(tree) = self.conn.query_tree(w).ok().and_then(|c| c.reply().ok()) else {
                return w;
            };
            if tree.parent == self.root || tree.parent == 0 {
                return w;
            }
            w = tree.parent;
        }
        w
    }

    /// The root's children, bottom to top.
    pub fn toplevels(&self) -> Vec<Toplevel> {
        let tree = self
            .conn
            .query_tree(self.root)
            .map_err(x_fail("query_tree"))
            .and_then(|c| c.reply().map_err(x_fail("query_tree")))
            .unwrap_or_else(|e| panic!("{e}"));
        tree.children
            .iter()
            .filter_map(|&id| {
                let attrs = self.conn.get_window_attributes(id).ok()?.reply().ok()?;
                let geo = self.conn.get_geometry(id).ok()?.reply().ok()?;
                Some(Toplevel {
                    id,
                    viewable: attrs.map_state == MapState::VIEWABLE,
                    override_redirect: attrs.override_redirect,
                    drawn: attrs.class == WindowClass::INPUT_OUTPUT,
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

    /// The windows that can be seen on the screen, bottom to top.
    pub fn seen(&self) -> Vec<Toplevel> {
        self.toplevels()
            .into_iter()
            .filter(|t| t.seen_on(self.width, self.height))
            .collect()
    }

    /// `_NET_WM_STATE` as atom names.
    pub fn net_wm_state(&self, client: Window) -> Vec<String> {
        self.property32(client, "_NET_WM_STATE")
            .into_iter()
            .map(|a| self.atom_name(a))
            .collect()
    }

    /// `WM_STATE`: 1 normal, 3 iconic, 0 withdrawn; `None` when absent.
    pub fn wm_state(&self, client: Window) -> Option<u32> {
        self.property32(client, "WM_STATE").first().copied()
    }

    /// `_NET_FRAME_EXTENTS` (left, right, top, bottom): the decorations the WM draws.
    pub fn frame_extents(&self, client: Window) -> Vec<u32> {
        self.property32(client, "_NET_FRAME_EXTENTS")
    }

    /// Whether `_MOTIF_WM_HINTS` asks for no decorations.
    pub fn motif_undecorated(&self, client: Window) -> bool {
        let v = self.property32(client, "_MOTIF_WM_HINTS");
        v.len() >= 3 && v[0] & 2 != 0 && v[2] == 0
    }

    /// A window's rectangle on the root window.
    pub fn rect(&self, window: Window) -> (i32, i32, u32, u32) {
        let geo = self
            .conn
            .get_geometry(window)
            .map_err(x_fail("get_geometry"))
            .and_then(|c| c.reply().map_err(x_fail("get_geometry")))
            .unwrap_or_else(|e| panic!("{e}"));
        let t = self
            .conn
            .translate_coordinates(window, self.root, 0, 0)
            .map_err(x_fail("translate_coordinates"))
            .and_then(|c| c.reply().map_err(x_fail("translate_coordinates")))
            .unwrap_or_else(|e| panic!("{e}"));
        (
            i32::from(t.dst_x),
            i32::from(t.dst_y),
            u32::from(geo.width),
            u32::from(geo.height),
        )
    }

    /// Paints the root window (the "desktop" behind every window) in one colour, so anything
    /// revealed behind the app shows in a screenshot. Openbox draws no desktop of its own.
    pub fn paint_root(&self, rgb: [u8; 3]) {
        let pixel = u32::from(rgb[0]) << 16 | u32::from(rgb[1]) << 8 | u32::from(rgb[2]);
        let _ = self.conn.change_window_attributes(
            self.root,
            &ChangeWindowAttributesAux::new().background_pixel(pixel),
        );
        let _ = self.conn.clear_area(false, self.root, 0, 0, 0, 0);
        let _ = self.conn.flush();
        let _ = self.conn.sync();
    }

    /// Presses (`down`) or releases a key through XTEST, for a key held across others (Alt held
    /// while Tab is pressed). [`crate::x11::X::chord`] presses whole chords.
    pub fn key(&self, sym: u32, down: bool) {
        let setup = self.conn.setup();
        let (min, max) = (setup.min_keycode, setup.max_keycode);
        let map = self
            .conn
            .get_keyboard_mapping(min, max - min + 1)
            .map_err(x_fail("get_keyboard_mapping"))
            .and_then(|c| c.reply().map_err(x_fail("get_keyboard_mapping")))
            .unwrap_or_else(|e| panic!("{e}"));
        let per = usize::from(map.keysyms_per_keycode).max(1);
        let code = map
            .keysyms
            .chunks(per)
            .position(|syms| syms.contains(&sym))
            .and_then(|i| u8::try_from(i).ok())
            .map(|i| min + i)
            .unwrap_or_else(|| panic!("keysym {sym:#x} is not in the keyboard map"));
        let kind = if down {
            KEY_PRESS_EVENT
        } else {
            KEY_RELEASE_EVENT
        };
        self.conn
            .xtest_fake_input(kind, code, CURRENT_TIME, self.root, 0, 0, 0)
            .map_err(x_fail("XTEST fake_input"))
            .unwrap_or_else(|e| panic!("{e}"));
        let _ = self.conn.flush();
        let _ = self.conn.sync();
        std::thread::sleep(Duration::from_millis(30));
    }

    /// The whole screen as it is now (GetImage of the root window: what is on the glass).
    pub fn capture(&self) -> Image {
        let setup = self.conn.setup();
        assert!(
            setup.image_byte_order == ImageOrder::LSB_FIRST,
            "screen capture: expected an LSB-first server (Xvfb on x86)"
        );
        let w = u16::try_from(self.width).expect("screen width");
        let h = u16::try_from(self.height).expect("screen height");
        let reply = self
            .conn
            .get_image(ImageFormat::Z_PIXMAP, self.root, 0, 0, w, h, !0)
            .map_err(x_fail("get_image"))
            .and_then(|c| c.reply().map_err(x_fail("get_image")))
            .unwrap_or_else(|e| panic!("{e}"));
        let bpp = setup
            .pixmap_formats
            .iter()
            .find(|f| f.depth == reply.depth)
            .map(|f| f.bits_per_pixel);
        assert_eq!(
            bpp,
            Some(32),
            "screen capture: expected 32 bits a pixel at depth {}",
            reply.depth
        );
        let mut rgb = Vec::with_capacity(self.width as usize * self.height as usize * 3);
        for px in reply.data.chunks_exact(4) {
            // Depth 24 TrueColor, LSB first: B, G, R, unused.
            rgb.extend_from_slice(&[px[2], px[1], px[0]]);
        }
        Image {
            width: self.width,
            height: self.height,
            rgb,
        }
    }
}

impl Image {
    /// Decodes a PNG (ImageMagick's `convert`, which the screenshots already need).
    pub fn from_png(png: &[u8]) -> Self {
        let mut child = Command::new("convert")
            .args(["png:-", "-alpha", "off", "-depth", "8", "ppm:-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run ImageMagick convert (Debian: imagemagick; scripts/setup.sh installs it)");
        let mut stdin = child.stdin.take().expect("convert's stdin");
        let png = png.to_vec();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&png);
        });
        let out = child.wait_with_output().expect("convert");
        let _ = writer.join();
        assert!(
            out.status.success(),
            "convert could not decode a PNG: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Self::from_ppm(&out.stdout)
    }

    fn from_ppm(data: &[u8]) -> Self {
        // P6 <ws> width <ws> height <ws> maxval <one ws> pixels
        let mut fields = Vec::new();
        let mut i = 0;
        while fields.len() < 4 {
            while i < data.len() && data[i].is_ascii_whitespace() {
                i += 1;
            }
            let start = i;
            while i < data.len() && !data[i].is_ascii_whitespace() {
                i += 1;
            }
            fields.push(String::from_utf8_lossy(&data[start..i]).into_owned());
        }
        assert_eq!(fields[0], "P6", "convert did not write a binary PPM");
        let width: u32 = fields[1].parse().expect("PPM width");
        let height: u32 = fields[2].parse().expect("PPM height");
        let rgb = data[i + 1..].to_vec();
        assert_eq!(rgb.len(), width as usize * height as usize * 3, "PPM size");
        Self { width, height, rgb }
    }

    /// Saves as PNG.
    pub fn save_png(&self, path: &Path) {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let mut child = Command::new("convert")
            .args(["-size", &format!("{}x{}", self.width, self.height)])
            .args(["-depth", "8", "rgb:-"])
            .arg(path)
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run ImageMagick convert (Debian: imagemagick; scripts/setup.sh installs it)");
        let mut stdin = child.stdin.take().expect("convert's stdin");
        let _ = stdin.write_all(&self.rgb);
        drop(stdin);
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        let status = child.wait().expect("convert");
        assert!(
            status.success(),
            "convert could not write {}: {err}",
            path.display()
        );
    }

    /// Whether every pixel is the same colour (a screenshot taken before anything was drawn).
    pub fn is_one_colour(&self) -> bool {
        let mut pixels = self.rgb.chunks_exact(3);
        let first = pixels.next();
        pixels.all(|p| Some(p) == first)
    }

    /// How many pixels are exactly `rgb`.
    pub fn count(&self, rgb: [u8; 3]) -> usize {
        self.rgb.chunks_exact(3).filter(|p| *p == rgb).count()
    }

    /// The share of pixels (0–1) that differ from `other` by more than `tolerance` in any
    /// channel, and the bounding box (x, y, width, height) of those pixels. Images of different
    /// sizes differ everywhere.
    pub fn difference(&self, other: &Image, tolerance: u8) -> (f64, Option<(u32, u32, u32, u32)>) {
        if (self.width, self.height) != (other.width, other.height) {
            return (1.0, Some((0, 0, self.width, self.height)));
        }
        let (mut n, mut x0, mut y0, mut x1, mut y1) = (0usize, u32::MAX, u32::MAX, 0, 0);
        for (i, (a, b)) in self
            .rgb
            .chunks_exact(3)
            .zip(other.rgb.chunks_exact(3))
            .enumerate()
        {
            if a.iter().zip(b).any(|(p, q)| p.abs_diff(*q) > tolerance) {
                n += 1;
                let x = (i % self.width as usize) as u32;
                let y = (i / self.width as usize) as u32;
                (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
            }
        }
        let share = n as f64 / (self.width as f64 * self.height as f64);
        let bbox = (n > 0).then(|| (x0, y0, x1 - x0 + 1, y1 - y0 + 1));
        (share, bbox)
    }
}

/// The page as the app's webview renders it (WebDriver), after two animation frames, decoded.
pub async fn page_image(app: &App) -> Image {
    let settled = tokio::time::timeout(
        Duration::from_secs(10),
        app.driver().execute_async(
            "const done = arguments[arguments.length - 1];
             requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
            vec![],
        ),
    )
    .await;
    assert!(
        matches!(settled, Ok(Ok(_))),
        "the page rendered no frame in 10 s"
    );
    let png = tokio::time::timeout(Duration::from_secs(20), app.driver().screenshot_as_png())
        .await
        .expect("a WebDriver screenshot in 20 s")
        .expect("a WebDriver screenshot");
    Image::from_png(&png)
}

/// `target/e2e-screenshots/<test>-<state>.png`.
pub fn screenshot_path(test: &str, state: &str) -> PathBuf {
    screenshot_dir().join(format!("{test}-{state}.png"))
}
