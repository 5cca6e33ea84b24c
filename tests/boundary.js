// JS helpers for the boundary tests in tests/web.rs: hostile values, and calls made with a
// measured amount of JavaScript stack left.

export function revokedProxy() {
  const p = Proxy.revocable({}, {});
  p.revoke();
  return p.proxy;
}

/// A Proxy that revokes itself the first time its keys are listed, then reports none: it looks
/// readable to the first check and throws on every later one.
export function selfRevokingProxy() {
  const p = Proxy.revocable([], {
    ownKeys() {
      p.revoke();
      return ["length"];
    },
  });
  return p.proxy;
}

/// A real array of arrays whose iterator throws (`Array.from` and `for...of` on it throw).
export function arrayWithThrowingIterator(groups) {
  const a = groups.map((g) => g.slice());
  a[Symbol.iterator] = function () {
    throw new Error("this array's iterator throws");
  };
  return a;
}

/// An Error whose `message` getter throws.
export function errorWithThrowingMessage() {
  const e = new Error("x");
  Object.defineProperty(e, "message", {
    get() {
      throw new Error("message getter throws");
    },
  });
  return e;
}

function countArgs() {
  return arguments.length;
}

/// Whether `slots` 8-byte stack slots fit on the stack here: `apply` pushes every argument, and
/// throws a RangeError first if they do not fit.
function fits(slots) {
  try {
    return countArgs.apply(null, new Array(slots)) === slots;
  } catch (e) {
    if (e instanceof RangeError) return false;
    throw e;
  }
}

/// The last answer of `stackBytesLeft`, in slots: calls from the same depth check it in two
/// probes instead of a full search.
let lastSlotsLeft = -1;

/// About how many bytes of stack are left where this is called (binary search on `fits`, which
/// is monotonic: the exact same answer as the search when the last one still holds).
export function stackBytesLeft() {
  if (lastSlotsLeft >= 0 && fits(lastSlotsLeft) && !fits(lastSlotsLeft + 1)) return lastSlotsLeft * 8;
  let lo = 0;
  let hi = 1 << 18; // 2 MB of slots: more than V8's stack
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  lastSlotsLeft = lo;
  return lo * 8;
}

/// Calls `f(arg)` from a frame compiled in advance (V8 needs about 40 KB of stack to compile a
/// function lazily, which would otherwise fail first).
function trampoline(f, arg) {
  return f(arg);
}
trampoline((x) => x, 0);

/// The stack `probe` proves (bytes): how much less of it a filler of pushed arguments may take
/// before `probe()` answers false than before a bare call fails.
export function stackProvenBy(probe) {
  const most = (f) => {
    let [lo, hi] = [0, 1 << 18];
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      const args = new Array(Math.max(2, mid)).fill(0);
      [args[0], args[1]] = [f, null];
      let ok;
      try {
        ok = trampoline.apply(null, args) === true;
      } catch (_) {
        ok = false;
      }
      if (ok) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  return (most(() => true) - most(probe)) * 8;
}

/// Calls `f(arg)` with about `bytes` bytes of stack left (the rest filled by pushed arguments).
/// Returns `{ threw, value, error }`; `threw` is true when anything threw, including a RangeError
/// before `f` could start. Call `f` once beforehand so that it is compiled.
export function withStackLeft(bytes, f, arg) {
  const args = new Array(Math.max(2, Math.floor((stackBytesLeft() - bytes) / 8)));
  args[0] = f;
  args[1] = arg;
  try {
    return { threw: false, value: trampoline.apply(null, args) };
  } catch (error) {
    return { threw: true, error };
  }
}

/// Recurses until the stack runs out, then calls `f(arg)` in every `every`-th frame as the
/// RangeError unwinds, from the deepest up: calls made right at the limit and a little above it.
/// Returns up to `count` `{ threw, value, error }`.
export function callsWhileUnwinding(f, arg, every, count) {
  const outcomes = [];
  let frames = 0;
  const down = () => {
    try {
      down();
    } catch (e) {
      if (frames++ % every === 0 && outcomes.length < count) {
        try {
          outcomes.push({ threw: false, value: f(arg) });
        } catch (error) {
          outcomes.push({ threw: true, error });
        }
      }
      throw e;
    }
  };
  try {
    down();
  } catch (_) {}
  return outcomes;
}

/// A change function that recurses until the stack runs out (a RangeError).
export function recursingChange() {
  return (x) => {
    const r = (n) => r(n + 1) + 1;
    r(0);
    return x;
  };
}

/// A change function that calls `call(cluster)` with about `bytesLeft` bytes of stack left, and
/// pushes what happened onto `outcomes`.
export function changeCallingNearTheLimit(cluster, call, bytesLeft, outcomes) {
  return (x) => {
    try {
      call(cluster); // compiles `call` first (the cluster refuses: it is running this function)
    } catch (_) {}
    outcomes.push(withStackLeft(bytesLeft, call, cluster));
    return (x ?? 0) + 1;
  };
}

/// The helpers above, as one object for test expressions (`h.revokedProxy()`).
export const helpers = {
  revokedProxy,
  selfRevokingProxy,
  arrayWithThrowingIterator,
  errorWithThrowingMessage,
  stackBytesLeft,
  withStackLeft,
  callsWhileUnwinding,
  recursingChange,
  changeCallingNearTheLimit,
};

export function getHelpers() {
  return helpers;
}
