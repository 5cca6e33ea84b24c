//! Wasm memory grown in steps of a sixteenth of itself, not a 64 KiB page at a time. The
//! allocator (std's dlmalloc) asks for what the request needs, a page or a few; past about
//! 64 MB each `memory.grow` costs V8 several ms (measured in Node: 1,000 one-page grows took
//! 0.12 s up to 64 MB, 5 s from there to 128 MB, 35 s with 200,000 objects on the JS heap), so a
//! run that kept growing paid it per page: opening a document of 300,000 increments took 88 s,
//! quadratic in its size (outside tester 13, README "Measured"). After any allocation that grew
//! memory past [`FROM_PAGES`], this one takes and frees a block of a sixteenth of it: the
//! allocator grows once by that and keeps the block as free space for what comes next. The
//! memory held is at most a sixteenth more than the run needs; memory never shrinks either way.

use std::alloc::{GlobalAlloc, Layout, System};
use std::arch::wasm32::memory_size;

/// Below this (64 MB) memory grows as the allocator asks: grows are cheap there.
const FROM_PAGES: usize = 1024;
/// A wasm page.
const PAGE: usize = 64 * 1024;

struct GrowAhead;

#[global_allocator]
static ALLOCATOR: GrowAhead = GrowAhead;

/// Memory grew past [`FROM_PAGES`] (it is `pages` now): take a sixteenth more, once.
#[cold]
#[inline(never)]
fn grew(pages: usize) {
    if pages < FROM_PAGES {
        return;
    }
    let Ok(block) = Layout::from_size_align(pages / 16 * PAGE, 8) else { return };
    // SAFETY: `block` has a non-zero size; the pointer is freed at once with the same layout.
    unsafe {
        let p = allocate(block);
        if !p.is_null() {
            System.dealloc(p, block);
        }
    }
}

/// `System.alloc`, in one place (inlined at each caller, the allocator's code came twice).
#[inline(never)]
unsafe fn allocate(layout: Layout) -> *mut u8 {
    unsafe { System.alloc(layout) }
}

// SAFETY: every call is `System`'s, with the caller's arguments; `grew` only allocates and frees
// a block of its own.
unsafe impl GlobalAlloc for GrowAhead {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let before = memory_size(0);
        let p = unsafe { allocate(layout) };
        if memory_size(0) != before {
            grew(memory_size(0));
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let before = memory_size(0);
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if memory_size(0) != before {
            grew(memory_size(0));
        }
        p
    }
}
