// SPDX-License-Identifier: BSD-3-Clause
//! hello_bdev in Rust, with nothing but the standard library: `extern "C"` declarations of the
//! functions it calls, linked against the installed library with the flags pkg-config gives:
//!
//!     rustc -O hello_bdev.rs $(pkg-config --libs-only-L spdkrt | sed 's/-L/-L /g') -l spdkrt
//!
//! Initialises the environment without hugepages, creates a malloc bdev, writes a pattern from an
//! spdkrt thread polled here, reads it back, verifies it, tears down.

use std::ffi::{c_void, CStr, CString};
use std::os::raw::{c_char, c_int};
use std::process::exit;
use std::time::{Duration, Instant};

/// struct spdkrt_env_opts (spdkrt/env.h): fields are only ever appended, and the library reads
/// only the `size` bytes the caller passes, so a prefix of the C structure is enough.
#[repr(C)]
struct EnvOpts {
    size: usize,
    name: *const c_char,
    core_mask: *const c_char,
    main_core: c_int,
    mem_size_mb: usize,
    no_huge: bool,
    hugepage_dir: *const c_char,
    iova_mode: c_int,
    socket_mem: *const c_char,
    pci_allowed: *const *const c_char,
    num_pci_allowed: usize,
    file_prefix: *const c_char,
    eal_args: *const *const c_char,
    num_eal_args: usize,
}

type IoCb = extern "C" fn(*mut c_void, c_int);
type EventCb = extern "C" fn(c_int, *mut c_void, *mut c_void);

#[link(name = "spdkrt")]
extern "C" {
    fn spdkrt_version() -> *const c_char;
    fn spdkrt_strerror(rc: c_int) -> *const c_char;
    fn spdkrt_env_opts_init(opts: *mut EnvOpts, size: usize) -> c_int;
    fn spdkrt_env_init(opts: *const EnvOpts) -> c_int;
    fn spdkrt_env_fini();
    fn spdkrt_dma_zmalloc(size: usize, align: usize, socket: c_int) -> *mut c_void;
    fn spdkrt_dma_free(buf: *mut c_void);
    fn spdkrt_thread_create(name: *const c_char, thread: *mut *mut c_void) -> c_int;
    fn spdkrt_set_thread(thread: *mut c_void);
    fn spdkrt_thread_poll(thread: *mut c_void, max_msgs: u32, now: u64) -> c_int;
    fn spdkrt_thread_exit(thread: *mut c_void) -> c_int;
    fn spdkrt_thread_is_exited(thread: *mut c_void) -> bool;
    fn spdkrt_thread_destroy(thread: *mut c_void) -> c_int;
    fn spdkrt_bdev_create(spec: *const c_char, bdev: *mut *mut c_void) -> c_int;
    fn spdkrt_bdev_destroy(name: *const c_char, done: IoCb, ctx: *mut c_void) -> c_int;
    fn spdkrt_bdev_open(name: *const c_char, write: bool, event_cb: EventCb,
                        event_ctx: *mut c_void, desc: *mut *mut c_void) -> c_int;
    fn spdkrt_bdev_close(desc: *mut c_void);
    fn spdkrt_bdev_get_block_size(bdev: *const c_void) -> u32;
    fn spdkrt_bdev_get_io_channel_ext(desc: *mut c_void, ch: *mut *mut c_void) -> c_int;
    fn spdkrt_put_io_channel(ch: *mut c_void);
    fn spdkrt_bdev_write_blocks(desc: *mut c_void, ch: *mut c_void, buf: *const c_void,
                                offset_blocks: u64, num_blocks: u64, cb: IoCb,
                                cb_arg: *mut c_void) -> c_int;
    fn spdkrt_bdev_read_blocks(desc: *mut c_void, ch: *mut c_void, buf: *mut c_void,
                               offset_blocks: u64, num_blocks: u64, cb: IoCb,
                               cb_arg: *mut c_void) -> c_int;
}

const BLOCKS: u64 = 64;
const SOCKET_ANY: c_int = -1;

/// Where a completion callback leaves its status (None until it ran).
struct Done(Option<c_int>);

extern "C" fn io_done(arg: *mut c_void, status: c_int) {
    unsafe { (*(arg as *mut Done)).0 = Some(status) };
}

extern "C" fn ignore_event(_type: c_int, _bdev: *mut c_void, _ctx: *mut c_void) {}

fn check(rc: c_int, what: &str) {
    if rc < 0 {
        let msg = unsafe { CStr::from_ptr(spdkrt_strerror(rc)) };
        println!("FAIL: {}: {}", what, msg.to_string_lossy());
        exit(1);
    }
}

/// Polls the thread until the I/O finished; its status.
fn poll_until(thread: *mut c_void, done: &mut Done) -> c_int {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = unsafe { std::ptr::read_volatile(&done.0) } {
            return status;
        }
        unsafe { spdkrt_thread_poll(thread, 0, 0) };
        if Instant::now() > deadline {
            println!("FAIL: an I/O did not complete in 10 s");
            exit(1);
        }
    }
}

fn main() {
    unsafe {
        println!("libspdkrt {}", CStr::from_ptr(spdkrt_version()).to_string_lossy());
        let mut eo: EnvOpts = std::mem::zeroed();
        check(spdkrt_env_opts_init(&mut eo, std::mem::size_of::<EnvOpts>()), "spdkrt_env_opts_init");
        let app = CString::new("hello_bdev_rust").unwrap();
        eo.name = app.as_ptr();
        eo.no_huge = true;
        check(spdkrt_env_init(&eo), "spdkrt_env_init");

        let mut thread = std::ptr::null_mut();
        let tname = CString::new("rust").unwrap();
        check(spdkrt_thread_create(tname.as_ptr(), &mut thread), "spdkrt_thread_create");
        spdkrt_set_thread(thread);
        let spec = CString::new("malloc:name=RustMalloc0,size_mb=8").unwrap();
        let name = CString::new("RustMalloc0").unwrap();
        let mut bdev = std::ptr::null_mut();
        check(spdkrt_bdev_create(spec.as_ptr(), &mut bdev), "spdkrt_bdev_create");
        let mut desc = std::ptr::null_mut();
        check(spdkrt_bdev_open(name.as_ptr(), true, ignore_event, std::ptr::null_mut(), &mut desc),
              "spdkrt_bdev_open");
        let mut ch = std::ptr::null_mut();
        check(spdkrt_bdev_get_io_channel_ext(desc, &mut ch), "spdkrt_bdev_get_io_channel_ext");

        let bs = spdkrt_bdev_get_block_size(bdev) as usize;
        let size = BLOCKS as usize * bs;
        let wbuf = spdkrt_dma_zmalloc(size, 4096, SOCKET_ANY);
        let rbuf = spdkrt_dma_zmalloc(size, 4096, SOCKET_ANY);
        if wbuf.is_null() || rbuf.is_null() {
            println!("FAIL: spdkrt_dma_zmalloc");
            exit(1);
        }
        let pattern = std::slice::from_raw_parts_mut(wbuf as *mut u8, size);
        for (i, b) in pattern.iter_mut().enumerate() {
            *b = (i * 13 + 5) as u8;
        }
        let mut done = Done(None);
        let arg = &mut done as *mut Done as *mut c_void;
        check(spdkrt_bdev_write_blocks(desc, ch, wbuf, 16, BLOCKS, io_done, arg), "write");
        if done.0.is_some() {
            println!("FAIL: the completion ran inside the submit call");
            exit(1);
        }
        check(poll_until(thread, &mut done), "write completion");
        done.0 = None;
        check(spdkrt_bdev_read_blocks(desc, ch, rbuf, 16, BLOCKS, io_done, arg), "read");
        check(poll_until(thread, &mut done), "read completion");
        if std::slice::from_raw_parts(rbuf as *const u8, size) != &pattern[..] {
            println!("FAIL: the data read back differs from the data written");
            exit(1);
        }

        spdkrt_dma_free(wbuf);
        spdkrt_dma_free(rbuf);
        spdkrt_put_io_channel(ch);
        spdkrt_bdev_close(desc);
        done.0 = None;
        check(spdkrt_bdev_destroy(name.as_ptr(), io_done, arg), "spdkrt_bdev_destroy");
        check(poll_until(thread, &mut done), "destroy completion");
        check(spdkrt_thread_exit(thread), "spdkrt_thread_exit");
        while !spdkrt_thread_is_exited(thread) {
            spdkrt_thread_poll(thread, 0, 0);
        }
        check(spdkrt_thread_destroy(thread), "spdkrt_thread_destroy");
        spdkrt_set_thread(std::ptr::null_mut());
        spdkrt_env_fini();
        println!("PASS: Rust: {} blocks of {} bytes written to a malloc bdev, read back, verified",
                 BLOCKS, bs);
    }
}
