// Moving around the timeline. Mouse: drag pans, ctrl/⌘ + wheel zooms, a horizontal wheel (or
// shift + wheel) pans, a plain vertical wheel scrolls the page. Touch: the page keeps vertical
// scrolling (touch-action: pan-y); a horizontal swipe pans, a pinch zooms. A press that does not
// move is a click: it opens the details of what is under it.

const CLICK_SLOP_PX = 4;

/** @param {import("./timeline.js").Timeline} tl */
export function bindInput(tl) {
  const el = tl.container;
  const pointers = new Map(); // pointer id -> { x, y }
  let drag = null; // { x, y, t0, moved }
  let pinch = null; // { dist, msPerPx, anchorT }
  const local = (e) => {
    const r = el.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };
  const fromDetails = (e) => e.target instanceof Element && e.target.closest(".tl-details");

  el.addEventListener("pointerdown", (e) => {
    if (fromDetails(e) || e.button > 0) return;
    pointers.set(e.pointerId, local(e));
    if (pointers.size === 1) {
      const p = local(e);
      drag = { x: p.x, y: p.y, t0: tl.t0, moved: false };
      if (e.pointerType === "mouse") el.setPointerCapture(e.pointerId);
    } else if (pointers.size === 2) {
      drag = null;
      const [a, b] = [...pointers.values()];
      const mid = (a.x + b.x) / 2;
      pinch = { dist: Math.max(10, Math.abs(a.x - b.x)), msPerPx: tl.msPerPx, mid, anchorT: tl.timeAt(mid) };
    }
  });

  el.addEventListener("pointermove", (e) => {
    if (!pointers.has(e.pointerId)) return;
    const p = local(e);
    pointers.set(e.pointerId, p);
    if (pinch && pointers.size >= 2) {
      const [a, b] = [...pointers.values()];
      const dist = Math.max(10, Math.abs(a.x - b.x));
      tl.zoomTo(pinch.msPerPx * (pinch.dist / dist), pinch.anchorT, pinch.mid);
      tl.onUserMove();
      return;
    }
    if (!drag) return;
    const dx = p.x - drag.x;
    if (!drag.moved && Math.hypot(dx, p.y - drag.y) < CLICK_SLOP_PX) return;
    drag.moved = true;
    tl.follow = false;
    tl.t0 = Math.max(0, drag.t0 - dx * tl.msPerPx);
    tl.onUserMove();
  });

  const end = (e, cancelled) => {
    if (!pointers.has(e.pointerId)) return;
    pointers.delete(e.pointerId);
    if (pointers.size < 2) pinch = null;
    if (drag && !drag.moved && !cancelled && pointers.size === 0) tl.clickAt(drag.x, drag.y);
    if (pointers.size === 0) drag = null;
  };
  el.addEventListener("pointerup", (e) => end(e, false));
  el.addEventListener("pointercancel", (e) => end(e, true)); // the browser took the gesture (a vertical scroll)

  el.addEventListener("wheel", (e) => {
    if (e.ctrlKey || e.metaKey) {
      e.preventDefault();
      tl.zoom(e.deltaY > 0 ? 1.25 : 0.8, local(e).x);
      tl.follow = false;
      tl.onUserMove();
    } else if (Math.abs(e.deltaX) > Math.abs(e.deltaY) || e.shiftKey) {
      e.preventDefault();
      tl.pan(e.deltaX || e.deltaY);
      tl.onUserMove();
    }
  }, { passive: false });

  el.addEventListener("keydown", (e) => {
    if (fromDetails(e)) return;
    if (tl.key(e)) e.preventDefault();
  });
}
