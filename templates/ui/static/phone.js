// 贴心 workspace on a phone: below the stylesheet's breakpoint the list and the detail are
// two screens. Tapping a row opens the detail over the list (body.detail-open); 返回列表,
// the browser's back, approving or dismissing return to the list where it was left. The
// list is only hidden under the detail, never moved, so its scroll position stays put.
// Each opened detail is a history entry whose URL names the mention (?m=, which alerts.js
// reads on load), so a reload on the phone opens the same mention again.
// A module that imports nothing; it uses no page state.
const NARROW = matchMedia("(max-width: 760px)"); // the breakpoint in workspace.css
const pane = document.getElementById("detail");
const DETAIL = "detail"; // history.state.tiexin of an entry that shows the detail
let open = false, leaving = false, waiting = null;

const phone = () => NARROW.matches;
const isDetail = (state) => Boolean(state && state.tiexin === DETAIL);
function urlFor(id) {
  const u = new URL(location.href);
  if (id) u.searchParams.set("m", id); else u.searchParams.delete("m");
  return u.pathname + u.search + u.hash;
}
// The closed detail waits off screen; inert keeps it out of reach of taps, Tab and
// screen readers until it opens.
function sync() { pane.inert = phone() && !open; }
function show(on) { open = on; document.body.classList.toggle("detail-open", on); sync(); }

// The row the agent came from: focused again and on screen, so it is easy to find.
function backToRow() {
  const r = document.querySelector("#list .row.selected"); if (!r) return;
  r.focus({ preventScroll: true });
  const box = r.getBoundingClientRect();
  if (box.bottom < 0 || box.top > innerHeight) r.scrollIntoView({ block: "center" });
}

// Open mention `id` full screen (a no-op at desktop width). fromUrl: the page was
// loaded with ?m=, so the list goes under it in the history first.
function openDetail(id, fromUrl) {
  if (!phone()) return;
  if (leaving) { waiting = id; return; } // history.back() still on its way: after it
  history.scrollRestoration = "manual"; // the list never moved; nothing to restore
  if (open) { history.replaceState({ tiexin: DETAIL }, "", urlFor(id)); return; } // j / k
  if (fromUrl) history.replaceState(null, "", urlFor(null));
  history.pushState({ tiexin: DETAIL }, "", urlFor(id));
  show(true);
  pane.scrollTop = 0;
  pane.focus({ preventScroll: true });
}

// Back to the list (after approving, dismissing, or 返回列表). True on a phone, where
// the caller should not open the next mention by itself.
function toList() {
  if (!phone()) return false;
  if (!open) return true;
  show(false);
  if (isDetail(history.state)) { leaving = true; history.back(); }
  backToRow();
  return true;
}

addEventListener("popstate", (e) => {
  leaving = false;
  if (waiting) { const id = waiting; waiting = null; show(false); openDetail(id, false); return; }
  if (open && !isDetail(e.state)) { show(false); backToRow(); }
  else if (!open && isDetail(e.state) && phone()) show(true); // forward again
});
NARROW.addEventListener("change", sync);
document.getElementById("back").addEventListener("click", toList);

// The filters fold away on a phone, all but the search: 筛选 opens them, and says how
// many are set (a link from an alert may have set some), so a filtered list is not
// taken for the whole queue.
const form = document.getElementById("filter-form"), fold = document.getElementById("filters-toggle");
const initial = (f) => (f.tagName === "SELECT" ? ([...f.options].find((o) => o.defaultSelected) || f.options[0] || {}).value : f.defaultValue);
function countFilters() {
  const set = [...form.elements].filter((f) => f.name && f.name !== "q" && f.name !== "sort" && f.value !== initial(f)).length;
  fold.textContent = set ? `筛选（${set}）` : "筛选";
}
fold.addEventListener("click", () => {
  const on = form.parentElement.classList.toggle("open"); fold.setAttribute("aria-expanded", String(on));
});
form.addEventListener("input", countFilters);
new MutationObserver(countFilters).observe(document.getElementById("count"), { childList: true }); // after every load

// The on-screen keyboard: where the browser does not shrink the layout to it (the
// viewport's interactive-widget=resizes-content), lift the action bar above it.
const vv = window.visualViewport;
if (vv) {
  const lift = () => {
    const hidden = vv.scale > 1.01 ? 0 : Math.max(0, Math.round(innerHeight - vv.height - vv.offsetTop));
    document.documentElement.style.setProperty("--keyboard", hidden + "px");
  };
  vv.addEventListener("resize", lift); vv.addEventListener("scroll", lift);
}
sync();
const isOpen = () => open;
export { phone, openDetail as open, toList, isOpen };
