// SPDX-License-Identifier: BSD-3-Clause

// hello_bdev in Go, through cgo against the installed library (found with pkg-config):
// initialise the environment without hugepages, create a malloc bdev, write a pattern from an
// spdkrt thread polled here, read it back, verify it, tear down. Build and run:
//
//	go run hello_bdev.go
//
// Completion callbacks are C functions (cgo cannot hand a Go closure to C); they record the
// status in C memory that the Go loop polls.
package main

/*
#cgo pkg-config: spdkrt
#include <stdlib.h>
#include <spdkrt.h>

struct done { int finished; int status; };

static void io_done(void *arg, int status)
{
	struct done *d = arg;
	d->status = status;
	d->finished = 1;
}

static void ignore_event(enum spdkrt_bdev_event_type type, struct spdkrt_bdev *bdev, void *ctx)
{
	(void)type; (void)bdev; (void)ctx;
}

static int read_blocks(struct spdkrt_bdev_desc *desc, struct spdkrt_io_channel *ch, void *buf,
		       uint64_t off, uint64_t n, struct done *d)
{
	return spdkrt_bdev_read_blocks(desc, ch, buf, off, n, io_done, d);
}

static int write_blocks(struct spdkrt_bdev_desc *desc, struct spdkrt_io_channel *ch, void *buf,
			uint64_t off, uint64_t n, struct done *d)
{
	return spdkrt_bdev_write_blocks(desc, ch, buf, off, n, io_done, d);
}

static int destroy_bdev(const char *name, struct done *d)
{
	return spdkrt_bdev_destroy(name, io_done, d);
}

static int open_bdev(const char *name, struct spdkrt_bdev_desc **desc)
{
	return spdkrt_bdev_open(name, true, ignore_event, NULL, desc);
}
*/
import "C"

import (
	"bytes"
	"fmt"
	"os"
	"time"
	"unsafe"
)

const blocks = 64

func check(rc C.int, what string) {
	if rc < 0 {
		fmt.Printf("FAIL: %s: %s\n", what, C.GoString(C.spdkrt_strerror(rc)))
		os.Exit(1)
	}
}

// pollUntil polls the spdkrt thread until the I/O finished; its status.
func pollUntil(t *C.struct_spdkrt_thread, d *C.struct_done) C.int {
	deadline := time.Now().Add(10 * time.Second)
	for d.finished == 0 {
		C.spdkrt_thread_poll(t, 0, 0)
		if time.Now().After(deadline) {
			fmt.Println("FAIL: an I/O did not complete in 10 s")
			os.Exit(1)
		}
	}
	return d.status
}

func main() {
	fmt.Printf("libspdkrt %s (headers %s)\n", C.GoString(C.spdkrt_version()), C.SPDKRT_VERSION_STRING)
	var eo C.struct_spdkrt_env_opts
	check(C.spdkrt_env_opts_init(&eo, C.size_t(unsafe.Sizeof(eo))), "spdkrt_env_opts_init")
	eo.name = C.CString("hello_bdev_go")
	eo.no_huge = true
	check(C.spdkrt_env_init(&eo), "spdkrt_env_init")

	var t *C.struct_spdkrt_thread
	check(C.spdkrt_thread_create(C.CString("go"), &t), "spdkrt_thread_create")
	C.spdkrt_set_thread(t)
	name := C.CString("GoMalloc0")
	var bdev *C.struct_spdkrt_bdev
	check(C.spdkrt_bdev_create(C.CString("malloc:name=GoMalloc0,size_mb=8"), &bdev), "spdkrt_bdev_create")
	var desc *C.struct_spdkrt_bdev_desc
	check(C.open_bdev(name, &desc), "spdkrt_bdev_open")
	var ch *C.struct_spdkrt_io_channel
	check(C.spdkrt_bdev_get_io_channel_ext(desc, &ch), "spdkrt_bdev_get_io_channel_ext")

	bs := int(C.spdkrt_bdev_get_block_size(bdev))
	size := C.size_t(blocks * bs)
	wbuf := C.spdkrt_dma_zmalloc(size, 4096, C.SPDKRT_ENV_SOCKET_ANY)
	rbuf := C.spdkrt_dma_zmalloc(size, 4096, C.SPDKRT_ENV_SOCKET_ANY)
	if wbuf == nil || rbuf == nil {
		fmt.Println("FAIL: spdkrt_dma_zmalloc")
		os.Exit(1)
	}
	pattern := unsafe.Slice((*byte)(wbuf), blocks*bs)
	for i := range pattern {
		pattern[i] = byte(i*13 + 5)
	}
	d := (*C.struct_done)(C.calloc(1, C.size_t(unsafe.Sizeof(C.struct_done{}))))
	check(C.write_blocks(desc, ch, wbuf, 16, blocks, d), "spdkrt_bdev_write_blocks")
	if d.finished != 0 {
		fmt.Println("FAIL: the completion ran inside the submit call")
		os.Exit(1)
	}
	check(pollUntil(t, d), "write completion")
	*d = C.struct_done{}
	check(C.read_blocks(desc, ch, rbuf, 16, blocks, d), "spdkrt_bdev_read_blocks")
	check(pollUntil(t, d), "read completion")
	if !bytes.Equal(unsafe.Slice((*byte)(rbuf), blocks*bs), pattern) {
		fmt.Println("FAIL: the data read back differs from the data written")
		os.Exit(1)
	}

	C.spdkrt_dma_free(wbuf)
	C.spdkrt_dma_free(rbuf)
	C.spdkrt_put_io_channel(ch)
	C.spdkrt_bdev_close(desc)
	*d = C.struct_done{}
	check(C.destroy_bdev(name, d), "spdkrt_bdev_destroy")
	check(pollUntil(t, d), "destroy completion")
	C.free(unsafe.Pointer(d))
	C.spdkrt_thread_exit(t)
	for !C.spdkrt_thread_is_exited(t) {
		C.spdkrt_thread_poll(t, 0, 0)
	}
	C.spdkrt_thread_destroy(t)
	C.spdkrt_set_thread(nil)
	C.spdkrt_env_fini()
	fmt.Printf("PASS: Go: %d blocks of %d bytes written to a malloc bdev, read back, verified\n", blocks, bs)
}
