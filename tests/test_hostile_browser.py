"""Hostile input in the browser: every text box and upload on every page, fed what an attacker
or a careless paste would send, in the running app in headless Debian Chromium.

What is fed (issue 13, "Proof"): HTML that would run script (`<script>`, `<img onerror>`,
`"><svg onload>`), Markdown image and link injection pointing at a trap address this test
serves and watches, `$$` LaTeX, 100,000 words, only punctuation, emoji and Chinese; and as
uploads an empty file, a binary file with a hostile name, UTF-16, GBK, a file just over the
app's review limit and one just over the server's upload limit. After every input a dialog
listener, a request listener and the trap server prove nothing ran and nothing was fetched,
and the page shows a clear message or a correct result, never a traceback.

One server and one browser tab for all of it; a page is opened once per state (a tab of the
GloVe explorer, a review source) through its link, then its boxes are filled in turn. What
every input came to is written to screenshots/hostile-inputs.md (the table the issue asks for).

Some boxes appear only after a training in the session: the lab's "Try a review" and the
char-RNN trainer's two seed texts (one for the Shakespeare model, one for the model of your own
text). The page is opened through a link that makes each training tiny (a second or two of
TensorFlow on 1,000 reviews or 20,000 characters), the Train button is pressed, and the boxes
are fed once they appear. The server runs jobs in its own threads (`RNN_EXPLAINER_JOBS=thread`)
and keeps the runs it saves in a folder of this test's own.

The char-RNN trainer's upload ("Your text (.txt, UTF-8)", explainers/owntext.py) is fed the
review upload's bad files, a file just over its own 2 MB limit, and then a UTF-8 text full of
the injections and Chinese that it accepts: its name and its preview are echoed, and the
model trained on it writes those characters back.
"""

from __future__ import annotations

import http.server
import re
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from conftest import ROOT, TINY_LAB, skip_or_fail

from benchmarks import browser
from explainers import owntext, paths, reviews, workers
from lessons import echo

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SHOTS = ROOT / "screenshots"
PAGE_TIMEOUT_MS = 120_000  # a page that imports TensorFlow on a busy 2-core machine
RUN_TIMEOUT_MS = 120_000  # one rerun after an input, on a machine other jobs keep busy
TRAIN_TIMEOUT_MS = 240_000  # a tiny training, TensorFlow's first compile and a busy machine
MAIN = "[data-testid='stMain']"
LATEX = r"$$\frac{1}{0}$$"
PUNCTUATION = "!?.,;:'\"()[]{}<>-_/\\|@#%^&*~`+=…—"  # no letter, no digit
CHINESE = "电影很好看，演员也很棒"
EMOJI_CHINESE = f"🎬🙂 {CHINESE} 😀👍"
LONG_WORDS = 100_000  # words in the longest paste
NEAR_ADDRESS = "http://www.nytimes.co"  # GloVe knows "http://www.nytimes.com": a suggestion
ADDRESSES_TYPED = ("nytimes",)  # besides the trap: no link may lead where typed text points
NO_MESSAGE = "no warning or error: the page drew its result"


def injections(trap: str) -> dict[str, str]:
    """Name -> text that must stay text; `trap` is the watched address (http://127.0.0.1:p)."""
    return {
        "script tag": "<script>alert(1)</script>",
        "img onerror": "<img src=x onerror=alert(1)>",
        "svg onload": '"><svg onload=alert(1)>',
        "markdown image": f"![x]({trap}/x.png)",
        "markdown link": f"[click]({trap}/link)",
        "LaTeX": LATEX,
    }


def long_text() -> str:
    return " ".join(["good", "film"] * (LONG_WORDS // 2))  # 100,000 words, ~500,000 characters


# --------------------------------------------------------------------------- the inventory


@dataclass(frozen=True)
class Box:
    label: str  # the widget's label (English), as the browser names the box
    area: bool = False  # a text area: committed with Ctrl+Enter, else a text input with Enter
    echoes: bool = False  # the page says the typed words back (an unknown-word warning...)
    restore: bool = False  # put its first value back after: a later box needs it to work
    extra: tuple[tuple[str, str], ...] = ()  # (name, text) fed here besides the common inputs
    heavy: bool = False  # each new text costs seconds of TensorFlow: every input goes in one
    key: str = ""  # its widget key, where two boxes share a label (the char page's seeds)
    submit: str = ""  # the key of a button that uses the text (it is pressed after each input)
    shows: str = ""  # where the page draws what it made of the text (read into the table)


@dataclass(frozen=True)
class Uploader:
    label: str  # the uploader, as the table names it
    key: str  # its widget key
    files: Callable[[str], dict[str, tuple[str, bytes]]]  # trap -> name -> (file name, bytes)
    taken: Callable[[Watch, str], str]  # the outcome of a file it reads (asserts it was read)
    accepted: tuple[str, ...]  # the files it reads; every other one gets a clear refusal


@dataclass(frozen=True)
class Training:
    """Boxes that appear once this session has trained a model: `button` (a key) trains it."""

    button: str
    boxes: tuple[Box, ...]


@dataclass(frozen=True)
class View:
    path: str  # the page's address
    query: str  # its link's query: which tab / review source is open
    boxes: tuple[Box, ...] = ()
    upload: Uploader | None = None  # fed every file of its `files`
    trainings: tuple[Training, ...] = ()  # then these, in turn, each followed by its boxes
    state: str = ""  # how the table names the state, where the query says it too long

    @property
    def where(self) -> str:
        if self.state:
            return f"{self.path} ({self.state})"
        return f"{self.path}?{self.query}" if self.query else self.path


REVIEW = Box("Your review (English)", area=True)  # review_source's typed review
UPLOAD_LIMIT_BYTES = 5 * 1024 * 1024  # .streamlit/config.toml server.maxUploadSize = 5 (MB)


A_REVIEW = "A great film: the acting is wonderful and I loved the story."


def bad_files() -> dict[str, tuple[str, bytes]]:
    """What no uploader may read -> (file name, bytes). The binary file's name is hostile."""
    return {
        "empty file": ("empty.txt", b""),
        "binary, hostile name": (
            "<img src=x onerror=alert(1)>![x](x.png)$$\\frac{1}{0}$$.txt", bytes(range(256)) * 40),
        "UTF-16": ("utf16.txt", A_REVIEW.encode("utf-16")),
        "GBK": ("gbk.txt", "这部电影很好看，演员也很棒。".encode("gbk")),
    }


def review_files(trap: str) -> dict[str, tuple[str, bytes]]:
    """The review upload's files: the bad ones, two it reads, and two over its limits."""
    hostile = " ".join(injections(trap).values())
    return {
        **bad_files(),
        "injection as UTF-8 text": ("hostile.txt", f"{A_REVIEW} {hostile}".encode()),
        "emoji and Chinese (UTF-8)": ("chinese.txt", EMOJI_CHINESE.encode()),
        "just over the review limit": (
            "big.txt", b"great film " * (reviews.MAX_UPLOAD_BYTES // 11 + 1)),
        "just over the upload limit": ("huge.txt", b"x" * (UPLOAD_LIMIT_BYTES + 1)),
    }


def own_text(trap: str) -> str:
    """A text the char trainer takes: the injections, punctuation and Chinese on its first
    line (so its preview shows them), then verse, past owntext.MIN_CHARS. No emoji: a seed
    with emoji is refused by its model, so that message is tried too."""
    line = f"{' '.join(injections(trap).values())} {PUNCTUATION} {CHINESE}\n"
    verse = "春眠不觉晓，处处闻啼鸟。Shall I compare thee to a summer's day?\n"
    return line * 6 + verse * (2 * owntext.MIN_CHARS // len(verse))


PREVIEW_MARK = "<script>alert(1)</script>"  # the first words of own_text: in its preview


def own_text_files(trap: str) -> dict[str, tuple[str, bytes]]:
    """The char trainer's files: the bad ones, the injections too short to learn from, two
    over its limits, and last (it stays for the training) the hostile text it reads."""
    return {
        **bad_files(),
        "injection as UTF-8 text (too short)": (
            "hostile.txt", " ".join(injections(trap).values()).encode()),
        "just over its limit": ("big.txt", b"to be or not " * (owntext.MAX_BYTES // 13 + 1)),
        "just over the upload limit": ("huge.txt", b"x" * (UPLOAD_LIMIT_BYTES + 1)),
        "injections and Chinese as UTF-8 text, hostile name": (
            '<svg onload=alert(1)> 诗.txt', own_text(trap).encode()),
    }


def review_taken(watch: Watch, outcome: str) -> str:
    assert NO_MESSAGE in outcome or "word" in outcome, outcome  # read as a review
    return outcome


def own_text_taken(watch: Watch, outcome: str) -> str:
    """The upload's caption (its name, its characters) and its preview, which must show the
    hostile first line as the characters it holds."""
    main = watch.tab.locator(MAIN)
    caption = main.locator("[data-testid='stCaptionContainer']").filter(
        has_text="different ones").first.inner_text().replace(echo.WORD_JOINER, "")
    preview = main.locator("[data-testid='stCode']").filter(has_text=PREVIEW_MARK).first
    preview.wait_for(timeout=RUN_TIMEOUT_MS)
    preview = preview.inner_text()
    assert '<svg onload=alert(1)> 诗.txt' in caption, caption
    assert all(t in preview for t in injections(watch.trap).values()), preview
    read = f"read: {' '.join(caption.split())[:110]}; its preview shows the injections as text"
    return read if outcome == NO_MESSAGE else f"{read} / {outcome}"


REVIEW_UPLOAD = Uploader("review upload", "", review_files, review_taken,
                         ("injection as UTF-8 text", "emoji and Chinese (UTF-8)"))
OWN_TEXT = Uploader("Your text (.txt, UTF-8)", "mytext_upload", own_text_files, own_text_taken,
                    ("injections and Chinese as UTF-8 text, hostile name",))
TINY_CHAR = {  # the char page's link: both trainings one epoch of a GRU(32) on 20,000 chars
    "units": 32, "emb": 8, "seq": 16, "batch": 32, "epochs": 1, "chars": 20_000,
    "my_units": 32, "my_seq": 16, "my_epochs": 1, "my_chars": 20_000}
LAST_CODE = "[data-testid='stCode'] >> nth=-1"  # what the model wrote, last on the page
VIEWS = (
    View("from-text-to-numbers", "source=text", (REVIEW, Box("Characters"))),
    View("from-text-to-numbers", "source=upload", upload=REVIEW_UPLOAD),
    View("why-embeddings", "", (Box("Words to compare", echoes=True),)),
    View("glove-explorer", "view=neighbours", (Box("Word", echoes=True, extra=(
        ("an address GloVe nearly knows (its suggestions are addresses)", NEAR_ADDRESS),)),)),
    View("glove-explorer", "view=analogies", (
        Box("a", echoes=True, restore=True), Box("is to b", echoes=True, restore=True),
        Box("as c is to ?", echoes=True, restore=True),
        Box("Expected answer (optional)", echoes=True))),
    View("glove-explorer", "view=directions", (
        Box("Positive end (words, averaged)", restore=True),
        Box("Negative end (words, averaged)", restore=True),
        Box("Words to place along it", area=True, echoes=True))),
    View("glove-explorer", "view=map&map=neighbours", (Box("Word", echoes=True),)),
    View("glove-explorer", "view=map&map=list", (
        Box("Words (spaces or commas)", area=True, echoes=True),)),
    View("learned-embeddings", "", (Box("Another word", echoes=True),)),
    View("why-word-order-matters", "source=text", (REVIEW,)),
    View("why-word-order-matters", "source=upload", upload=REVIEW_UPLOAD),
    View("inside-a-simplernn", "source=typed", (
        Box("A short sentence (the first 12 words are used)"),
        Box("Your review", area=True, heavy=True))),
    View("one-lstm-step-by-hand", "", (Box("A short sentence (the first 8 words are used)"),)),
    View("lstm-gates-token-by-token", "source=text", (REVIEW,)),
    View("lstm-gates-token-by-token", "source=upload", upload=REVIEW_UPLOAD),
    View("char-rnn-on-shakespeare", "", (Box("Seed text", area=True),)),
    View("train-a-char-rnn", urlencode(TINY_CHAR), upload=OWN_TEXT, state=(
        "tiny trainings, by link"), trainings=(
        Training("live_train", (Box("Seed text", key="own_prompt", restore=True),)),
        Training("mytext_train", (Box("Seed text", key="mytext_seed", submit="mytext_write",
                                      echoes=True, shows=LAST_CODE),)))),
    View("sentiment-lab-train-live", urlencode(TINY_LAB), state=(
        "a tiny training, by link"), trainings=(
        Training("lab_train", (Box("Your review", area=True, key="lab_review", shows=(
            "[data-testid='stMetric']:has-text('Prediction')")),)),)),
    View("glossary-lesson-numbers", "", (Box("Find a term (English or 中文)", echoes=True),)),
)


# --------------------------------------------------------------------------- the watchers


TRAP_HITS: list[str] = []  # every path asked of the trap server, by any of its handlers


class Trap(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        TRAP_HITS.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@contextmanager
def trap_server():
    """A watched address on loopback: every request that reaches it is recorded."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trap)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


UNSAFE_DOM = r"""addresses => {
  const bad = [];
  for (const e of document.querySelectorAll('*')) {
    for (const a of e.attributes) {
      if (a.name.startsWith('on')) bad.push(`${e.tagName} has ${a.name}`);
      if (['src', 'href', 'srcset', 'xlink:href'].includes(a.name)
          && (addresses.some(t => a.value.includes(t)) || /(^|\/)x(\.png)?$/.test(a.value)))
        bad.push(`${e.tagName} ${a.name}=${a.value}`);
    }
  }
  for (const s of document.querySelectorAll("[data-testid='stMain'] script, svg[onload]"))
    bad.push(`${s.tagName} element in the page`);
  for (const t of document.querySelectorAll('annotation'))
    if (t.textContent.includes('\\frac{1}{0}')) bad.push('LaTeX typed by the user rendered');
  return bad;
}"""  # an injected handler, a fetch of the trap or of src=x, a script, user LaTeX typeset


@dataclass
class Watch:
    """The browser tab and everything the listeners saw."""

    tab: object
    trap: str
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # to the trap, or for src=x / x.png
    finished: list[int] = field(default_factory=list)  # script_finished statuses, in order
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)  # the report table

    def listen(self) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        def frame(payload) -> None:
            if isinstance(payload, (bytes, bytearray)):
                message = ForwardMsg()
                message.ParseFromString(bytes(payload))
                if message.WhichOneof("type") == "script_finished":
                    self.finished.append(message.script_finished)

        def dialog(d) -> None:
            self.dialogs.append(f"{d.type}: {d.message}")
            d.dismiss()

        def request(r) -> None:
            if r.url.startswith(self.trap) or re.search(r"/x(\.png)?$", r.url):
                self.requests.append(r.url)

        self.tab.on("websocket", lambda ws: ws.on("framereceived", frame))
        self.tab.on("dialog", dialog)
        self.tab.context.on("request", request)

    def completed_runs(self) -> int:
        # FINISHED_SUCCESSFULLY = 0 and FINISHED_FRAGMENT_RUN_SUCCESSFULLY = 3 end a run;
        # 2 (stopped early for a newer rerun) does not
        return sum(status in (0, 3) for status in self.finished)

    def settle(self, before: int, timeout: int = RUN_TIMEOUT_MS) -> None:
        """Wait until a run has ended after `before` runs, and the page is drawn."""
        waited = 0
        while self.completed_runs() <= before:
            assert waited < timeout, "the page did not finish a run after the input"
            self.tab.wait_for_timeout(25)
            waited += 25
        browser.wait_for_app(self.tab, timeout)
        self.tab.wait_for_timeout(50)  # React draws the last deltas

    def open(self, view: View) -> None:
        before = self.completed_runs()
        query = "&".join(q for q in (view.query, "lang=en") if q)
        self.tab.goto(f"{self.tab.base_url}/{view.path}?{query}")
        self.settle(before, PAGE_TIMEOUT_MS)

    def main_text(self) -> str:
        """The page's text as a reader sees it (echo.inert's invisible word joiners dropped)."""
        return self.tab.locator(MAIN).inner_text().replace(echo.WORD_JOINER, "")

    def alerts(self) -> list[str]:
        """The page's alerts (warnings, errors, infos; not a training's "done") as a reader
        sees them."""
        alerts = self.tab.locator(f"{MAIN} [data-testid='stAlert']").filter(
            has_not_text="What to notice").filter(
            has_not=self.tab.locator("[data-testid='stAlertContentSuccess']"))
        texts = alerts.all_inner_texts()
        return [" ".join(t.replace(echo.WORD_JOINER, "").split()) for t in texts]

    def messages(self) -> str:
        """The page's alerts, shortened for the report."""
        return " / ".join(t[:110] for t in self.alerts()) or NO_MESSAGE

    def check(self, where: str, what: str) -> None:
        """Nothing ran, nothing was fetched, no traceback: the proof after each input."""
        self.tab.wait_for_timeout(50)  # an image request or a dialog would have started
        bad = self.tab.evaluate(UNSAFE_DOM, [self.trap, *ADDRESSES_TYPED])
        errors = self.tab.locator(f"{MAIN} [data-testid='stException']").count()
        text = self.main_text()
        assert self.dialogs == [], f"{where} · {what}: a script ran: {self.dialogs}"
        assert self.requests == [] and TRAP_HITS == [], (
            f"{where} · {what}: the injected address was fetched: {self.requests, TRAP_HITS}")
        assert bad == [], f"{where} · {what}: the page holds live markup: {bad}"
        assert errors == 0 and "Traceback" not in text, f"{where} · {what}: an exception shows"


@pytest.fixture(scope="module")
def watch(tmp_path_factory):
    if browser.chromium_path() is None:
        skip_or_fail("Chromium not found: apt-get install chromium")
    SHOTS.mkdir(exist_ok=True)
    TRAP_HITS.clear()
    server = {workers.ENGINE_ENV: "thread",  # a training is a thread of the server, as in tests
              paths.HOME_ENV: str(tmp_path_factory.mktemp("home"))}  # the lab's saved runs
    with (trap_server() as trap, browser.running_app(server) as url,
          browser.chromium() as tab):
        tab.base_url = url
        found = Watch(tab, trap)
        found.listen()
        yield found
        write_table(found.rows)


def write_table(rows) -> None:
    """The report table, every cell a code span: a Markdown viewer shows the hostile inputs as
    text and fetches none of their addresses."""
    lines = ["| page (state) | box | input | outcome |", "|---|---|---|---|"]
    lines += ["| " + " | ".join(_code(cell) for cell in row) + " |" for row in rows]
    (SHOTS / "hostile-inputs.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _code(cell: str) -> str:
    """`cell` as one inline code span of a table: fenced by more backticks than it holds."""
    text = " ".join(cell.split()).replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    return f"{fence} {text} {fence}"


# --------------------------------------------------------------------------- feeding


def plain_inputs(box: Box, trap: str) -> list[tuple[str, str]]:
    """The long, punctuation-only and emoji/Chinese inputs (a heavy box: all of them and the
    injections in one text, the 100,000 words last)."""
    if box.heavy:
        return [("injections + only punctuation + emoji and Chinese + 100,000 words", " ".join(
            [*injections(trap).values(), PUNCTUATION, EMOJI_CHINESE, long_text()]))]
    return [("100,000 words", long_text()), ("only punctuation", PUNCTUATION),
            ("emoji and Chinese", EMOJI_CHINESE)]


def box_locator(watch: Watch, box: Box):
    tag = "textarea" if box.area else "input"
    if box.key:
        return watch.tab.locator(f"{MAIN} .st-key-{box.key} {tag}").first
    found = watch.tab.locator(MAIN).get_by_label(box.label, exact=True)
    return found.and_(watch.tab.locator(tag)).first


def press(watch: Watch, key: str) -> None:
    """Click the button with widget key `key` and wait for the rerun it starts."""
    before = watch.completed_runs()
    watch.tab.locator(f"{MAIN} .st-key-{key} button").first.click()
    watch.settle(before)


def shown(text: str) -> str:
    """How an echo reads on the page: whitespace collapsed, lower case (words are lowered)."""
    return " ".join(text.split()).lower()


def feed(watch: Watch, where: str, box: Box, name: str, text: str,
         injected: bool = False) -> None:
    """Type `text` into `box`, commit it, wait for the rerun, prove it stayed harmless."""
    element = box_locator(watch, box)
    element.wait_for(timeout=RUN_TIMEOUT_MS)
    old = element.input_value()
    element.fill(text)
    taken = element.input_value()
    if taken != text:  # Streamlit refuses an edit past the box's max_chars: nothing changes
        assert taken == old, f"{where} · {box.label}: the box kept part of {name}"
        element.fill(old)
        watch.check(where, name)
        watch.rows.append((where, box.label, name, "refused by the box (over its max_chars);"
                           " the value stays as it was"))
        return
    before = watch.completed_runs()
    element.press("Control+Enter" if box.area else "Enter")
    if text != old:
        watch.settle(before)
    if box.submit:
        press(watch, box.submit)
    watch.check(where, f"{box.label} · {name}")
    page = shown(watch.main_text())
    echoed = all(piece in page for piece in shown(text).split()[:20])
    if box.echoes and injected:  # an unknown word, said back as typed
        assert echoed, f"{where} · {box.label} · {name}: not said back as text"
    outcome = watch.messages() + ("; shown back as typed text" if echoed else "")
    drawn = watch.tab.locator(f"{MAIN} {box.shows}") if box.shows else None
    if drawn is not None and drawn.count() and NO_MESSAGE in outcome:  # what it made of it
        made = " ".join(drawn.first.inner_text().split())
        if box.echoes:  # written after the text, which must read as typed
            assert shown(text) in shown(made), f"{where} · {box.label} · {name}: {made[:200]}"
        outcome += f"; {made[:110]}"
    watch.rows.append((where, box.label, name, outcome))


def restore(watch: Watch, box: Box, value: str) -> None:
    element = box_locator(watch, box)
    if element.input_value() != value:
        before = watch.completed_runs()
        element.fill(value)
        element.press("Control+Enter" if box.area else "Enter")
        watch.settle(before)


def fits_together(watch: Watch, box: Box, texts: list[str]) -> list[str]:
    """The injections packed into as few fills as the box takes (its max_chars), longest
    first: a box refuses an edit past its limit, so a trial fill says what fits."""
    element, packed = box_locator(watch, box), []
    element.wait_for(timeout=RUN_TIMEOUT_MS)
    old = element.input_value()
    for text in sorted(texts, key=len, reverse=True):
        for i, group in enumerate(packed):
            element.fill(f"{group} {text}")
            if element.input_value() == f"{group} {text}":
                packed[i] = f"{group} {text}"
                break
        else:
            packed.append(text)
    element.fill(old)
    return packed


def feed_all(watch: Watch, where: str, box: Box) -> None:
    """Every input into `box`: the injections packed as the box takes them, its extras, the
    long, punctuation-only and emoji/Chinese texts."""
    attacks = injections(watch.trap)
    first = box_locator(watch, box).input_value()
    packed = [] if box.heavy else fits_together(watch, box, list(attacks.values()))
    for text in packed:
        names = [n for n, t in attacks.items() if t in text]
        feed(watch, where, box, " + ".join(names), text, injected=True)
    for name, text in box.extra:
        feed(watch, where, box, name, text, injected=True)
    for name, text in plain_inputs(box, watch.trap):
        feed(watch, where, box, name, text)
    if box.restore:  # the next box is tried on the page as it was
        restore(watch, box, first)


def train(watch: Watch, where: str, training: Training) -> None:
    """Press a Train button and wait until the training has ended and its boxes are drawn
    (a failed training or an exception fails at once, with the page's words)."""
    watch.tab.locator(f"{MAIN} .st-key-{training.button} button").first.click()
    first = box_locator(watch, training.boxes[0])
    waited = 0
    while not first.count():
        failed = [t for t in watch.alerts() if "Training failed" in t]  # jobs.failed
        errors = watch.tab.locator(f"{MAIN} [data-testid='stException']").count()
        assert not failed and not errors, f"{where} · {training.button}: {failed}"
        assert waited < TRAIN_TIMEOUT_MS, f"{where} · {training.button}: no end in sight"
        watch.tab.wait_for_timeout(250)
        waited += 250
    browser.wait_for_app(watch.tab, RUN_TIMEOUT_MS)
    watch.check(where, f"trained ({training.button})")


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.where)
def test_hostile_text_and_files_stay_inert(watch, view):
    watch.open(view)
    where = view.where
    watch.check(where, "page opened")
    for box in view.boxes:
        feed_all(watch, where, box)
    if view.upload is not None:
        for name, (file_name, payload) in view.upload.files(watch.trap).items():
            upload(watch, where, view.upload, name, file_name, payload)
    for training in view.trainings:
        train(watch, where, training)
        for box in training.boxes:
            feed_all(watch, f"{where} after training ({training.button})", box)
    state = re.sub(r"\W+", "-", view.state or view.query or "page").strip("-")
    watch.tab.screenshot(path=str(SHOTS / f"hostile-{view.path}-{state}.png"))


def hostile_links(trap: str) -> list[tuple[str, dict[str, str], bool]]:
    """(page, its link's query, whether the page says the linked words back): a link anyone
    could send, hostile text in the page's linked text fields (issue 13's first example)."""
    image, combo = injections(trap)["markdown image"], " ".join(injections(trap).values())
    return [
        ("glove-explorer", {"view": "neighbours", "word": image}, True),
        ("glove-explorer", {"view": "analogies", "expected": image}, True),
        ("glove-explorer", {"view": "directions", "place": combo}, True),
        ("glove-explorer", {"view": "map", "map": "list", "words": combo}, True),
        ("why-embeddings", {"compare": combo}, True),
        ("learned-embeddings", {"word": image}, True),
        ("glossary-lesson-numbers", {"term": image}, True),
        ("from-text-to-numbers", {"source": "text", "text": combo, "chars": combo}, False),
        ("one-lstm-step-by-hand", {"sentence": combo}, False),
        ("char-rnn-on-shakespeare", {"prompt": combo}, False),
    ]


def test_a_hostile_link_stays_inert(watch):
    """Every linked text field of a page set to hostile text through the address alone."""
    for path, fields, echoes in hostile_links(watch.trap):
        where = f"{path} link ({', '.join(fields)})"
        watch.open(View(path, urlencode(fields)))
        watch.check(where, "opened")
        page = shown(watch.main_text())
        assert "could not be read" not in page, f"{where}: the link's text was refused"
        typed = [v for k, v in fields.items() if k not in ("view", "map", "source")]
        if echoes:
            assert all(p in page for t in typed for p in shown(t).split()), where
        watch.rows.append((where, "linked text fields", "the injections, in the address",
                           watch.messages()))


def upload(watch: Watch, where: str, uploader: Uploader, name: str, file_name: str,
           payload: bytes) -> None:
    """Upload one file into `uploader`; prove it harmless, record the outcome. A file it reads
    stays (a training may need it); any other is removed again."""
    scope = f"{MAIN} .st-key-{uploader.key}" if uploader.key else MAIN
    chooser = watch.tab.locator(f"{scope} [data-testid='stFileUploaderDropzoneInput']")
    before = watch.completed_runs()
    chooser.set_input_files(files=[{"name": file_name, "mimeType": "text/plain",
                                    "buffer": payload}])
    if len(payload) > UPLOAD_LIMIT_BYTES:  # the browser refuses it before it is sent
        chip = watch.tab.locator(f"{MAIN} [data-testid='stFileChip']").filter(
            has=watch.tab.locator("[data-testid='stFileChipIconError']")).first
        chip.wait_for(timeout=RUN_TIMEOUT_MS)
        outcome = " ".join(chip.text_content().split())
        assert "MB" in outcome, f"{where} · {name}: no clear refusal ({outcome})"
    else:
        watch.settle(before)
        outcome = watch.messages()
    watch.check(where, name)
    if name in uploader.accepted:
        outcome = uploader.taken(watch, outcome)
    elif len(payload) <= UPLOAD_LIMIT_BYTES:  # refused by the app: why, and which file
        assert outcome != NO_MESSAGE, f"{where} · {name}: no message for a bad file"
        assert any(t.startswith(f"{file_name}:") for t in watch.alerts()), (
            f"{where} · {name}: the file's name is not said back as typed: {outcome}")
    watch.rows.append((where, uploader.label, f"{name} ({len(payload):,} bytes)", outcome))
    remove = watch.tab.locator(f"{scope} [data-testid='stFileChipDeleteBtn'] button")
    if remove.count() and name not in uploader.accepted:
        before = watch.completed_runs()
        remove.first.click()
        if len(payload) <= UPLOAD_LIMIT_BYTES:
            watch.settle(before)
