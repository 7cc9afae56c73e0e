// 贴心 workspace, the page's one script (<script type="module">): it imports the rest and
// starts them. Plain ES modules, no build; each imports only the ones below it:
//   dom, state (the bottom), then the helpers that import nothing (alerts, resend,
//   incidents, unread, undo, phone, team, snippets, history), then list, reply, detail,
//   editor, live, keys, and this one on top.
import { $, toast } from "./dom.js";
import { S, ME, api, loadMeta } from "./state.js";
import { loadList, setView, tickRows } from "./list.js";
import { select, tickDetail } from "./detail.js";
import "./editor.js";
import { connectLive } from "./live.js";
import "./keys.js";
import * as A from "./alerts.js";
import * as U from "./unread.js";
import * as P from "./phone.js";
import * as T from "./team.js";
import * as N from "./snippets.js";

$("new-cue").addEventListener("click", () => { const id = U.first(S.items); if (id) select(id, true); });

async function start() { // a link may name the view, the filters and a mention to open
  await loadMeta();
  await T.start(api, toast, ME);
  await N.start(api, toast);
  const asked = A.fromQuery($("filter-form"), location.search);
  if (asked.view) setView(asked.view);
  if (asked.mention) S.sel = asked.mention;
  await loadList(false);
  if (asked.mention) { await select(asked.mention, false); if (S.detail && S.detail.id === asked.mention) P.open(asked.mention, true); }
}
start().then(connectLive);
setInterval(() => { tickRows(); tickDetail(); }, 1000);
