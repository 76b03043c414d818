"""In Chromium: the inspector app's offline queue (``static/intake/offline-queue.js``) in
IndexedDB.

- Adding a submission and sending the queue read the oldest or newest entry through the
  index on the sequence number, never the whole store (that made a long queue quadratic).
- A queue kept by the earlier version of the database (no index; the oldest items even
  without a sequence number; no user) is upgraded in place: every item stays, in the
  order it was made, is taken over by the first signed-in user to open the app and is
  sent in that order, before what is added after.
"""

from __future__ import annotations

from typing import Any

import pytest

from urbangrid.testing import wait_until

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SEND = "/queue-test/send"

# Counts the calls that read a whole store (or index) of the waiting submissions.
COUNT_WHOLE_READS = """() => {
  window.wholeReads = 0;
  const outbox = (store) => store.name === "outbox";
  for (const [proto, storeOf] of [[IDBObjectStore.prototype, (s) => s],
                                  [IDBIndex.prototype, (i) => i.objectStore]]) {
    for (const name of ["getAll", "getAllKeys"]) {
      const original = proto[name];
      proto[name] = function (...args) {
        if (outbox(storeOf(this))) window.wholeReads += 1;
        return original.apply(this, args);
      };
    }
  }
}"""

# The database as the first version of the queue left it: two stores, no index; two
# items from before sequence numbers (only their creation time orders them), one after.
# Their keys sort in the opposite order to the one they were made in.
LEGACY = """(url) => new Promise((resolve, reject) => {
  const req = indexedDB.open("ug-inspector", 1);
  req.onupgradeneeded = () => {
    const db = req.result;
    const outbox = db.createObjectStore("outbox", { keyPath: "key" });
    const sent = db.createObjectStore("sent", { keyPath: "key" });
    const item = (key, created, extra) => Object.assign({ key, kind: "report", title: key,
      url, payload: { description: key }, photos: [], created, attempts: 0 }, extra);
    outbox.put(item("z-first", "2025-03-01T08:00:00.000Z"));
    outbox.put(item("m-second", "2025-03-01T08:00:00.500Z"));
    outbox.put(item("a-third", "2025-03-01T08:05:00.000Z",
                    { seq: Date.parse("2025-03-01T08:05:00.000Z") }));
    sent.put({ key: "old-sent", title: "sent before", kind: "report", status: 201,
      number: "110101-20250301-0001", at: "2025-03-01T07:00:00.000Z", message: "", display: "" });
  };
  req.onsuccess = () => { req.result.close(); resolve(); };
  req.onerror = () => reject(req.error);
})"""


# The page as shown to user ``id`` (the top bar names the signed-in user; ug.js records
# the user of each page on the device).
SIGNED_IN_AS = """(id) => {
  document.querySelector(".topbar").dataset.user = id;
  localStorage.setItem("ug-user", id);
}"""


def open_queue(browser: Any, base: str) -> tuple[Any, Any, list[str], dict[str, bool]]:
    """A page of the site with the queue script alone (no app drawing its list). Its sends
    are answered here: refused as offline until ``state["online"]``, then accepted; the
    idempotency keys of the accepted ones, in order, are in ``seen``."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/login/")
    seen: list[str] = []
    state = {"online": False}
    route_sends(page, seen, state)
    return context, page, seen, state


def route_sends(page: Any, seen: list[str], state: dict[str, bool]) -> None:
    def answer(route: Any, request: Any) -> None:
        if not state["online"]:
            route.abort("internetdisconnected")
            return
        key = request.headers["idempotency-key"]
        seen.append(key)
        route.fulfill(status=201, content_type="application/json", body=f'{{"number": "{key}"}}')

    page.route(f"**{SEND}", answer)


def wait_sent(page: Any, seen: list[str], count: int) -> None:
    """Until ``count`` submissions were sent and none waits."""
    for _ in range(200):
        if len(seen) >= count:
            break
        page.wait_for_timeout(100)
    wait_until(page, "UGQueue.pending().then((p) => p.length === 0)")


def add(page: Any, key: str) -> None:
    page.evaluate(
        """([key, url]) => UGQueue.add({ key, kind: "report", title: key, url,
             payload: { description: key }, photos: [] })""",
        [key, SEND],
    )


def test_adding_and_sending_do_not_read_the_whole_queue(live_server: Any, browser: Any) -> None:
    context, page, seen, state = open_queue(browser, live_server.url)
    page.add_script_tag(url=f"{live_server.url}/static/intake/offline-queue.js")
    page.evaluate(COUNT_WHOLE_READS)

    keys = [f"q-{i:02d}" for i in range(30)]
    for key in keys:
        add(page, key)
    assert page.evaluate("window.wholeReads") == 0

    state["online"] = True
    page.evaluate("UGQueue.flush()")
    for _ in range(200):
        if len(seen) == len(keys):
            break
        page.wait_for_timeout(100)
    assert seen == keys  # first in, first out
    assert page.evaluate("window.wholeReads") == 0
    wait_sent(page, seen, len(keys))
    newest = page.evaluate("UGQueue.sent(3).then((s) => s.map((r) => r.number))")
    assert len(newest) == 3
    assert set(newest) <= set(keys[-5:])  # the newest (two sent in one millisecond tie)
    context.close()


def test_a_queue_kept_by_the_earlier_version_is_upgraded_in_order(
    live_server: Any, browser: Any
) -> None:
    context, page, seen, state = open_queue(browser, live_server.url)
    page.evaluate(LEGACY, SEND)
    # Kept before users were recorded: the first signed-in user to open the app takes them.
    page.evaluate(SIGNED_IN_AS, "7")
    page.add_script_tag(url=f"{live_server.url}/static/intake/offline-queue.js")

    waiting = page.evaluate("UGQueue.pending().then((p) => p.map((i) => i.key))")
    assert waiting == ["z-first", "m-second", "a-third"]
    sent = page.evaluate("UGQueue.sent().then((s) => s.map((r) => r.title))")
    assert sent == ["sent before"]

    add(page, "after-upgrade")  # offline: kept, behind the older ones
    wait_until(page, "UGQueue.pending().then((p) => p.length === 4)")
    state["online"] = True
    page.evaluate("UGQueue.flush()")
    wait_sent(page, seen, 4)
    assert seen == ["z-first", "m-second", "a-third", "after-upgrade"]
    newest = page.evaluate("UGQueue.sent(2).then((s) => s.map((r) => r.key))")
    assert set(newest) == {"after-upgrade", "a-third"}
    context.close()
