"""Drives headless Chromium over the DevTools protocol through the aggregator's dashboard and checks it through the DOM.

Usage: dashboard_check.py BASE_URL DEVTOOLS_PORT [SCREENSHOT.png]

Checks: the page is in Bahasa Indonesia with the provinces named from the wilayah list; a chart with bars; drilling
down by clicking province -> kabupaten -> kecamatan reaches Donomulyo with its service table and its desa; the
language switch turns the page English and keeps the area; a WITA kecamatan's page; a phone-width screen; and that no request of any page
went anywhere but the aggregator (every URL the pages asked for is recorded).
"""
import base64, json, sys, time, urllib.parse, urllib.request
import websocket  # websocket-client

base, devtools_port = sys.argv[1], int(sys.argv[2])
screenshot = sys.argv[3] if len(sys.argv) > 3 else None
aggregator = urllib.parse.urlsplit(base).netloc

target = json.load(urllib.request.urlopen(urllib.request.Request(
    f"http://127.0.0.1:{devtools_port}/json/new?about:blank", method="PUT"), timeout=30))
ws = websocket.create_connection(target["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
next_id = 0
events = []
requested = []

def call(method, **params):
    global next_id
    next_id += 1
    ws.send(json.dumps({"id": next_id, "method": method, "params": params}))
    while True:
        message = json.loads(ws.recv())
        if message.get("id") == next_id:
            if "error" in message:
                raise RuntimeError(f"{method}: {message['error']}")
            return message.get("result", {})
        record(message)

def record(message):
    if message.get("method") == "Network.requestWillBeSent":
        requested.append(message["params"]["request"]["url"])
    events.append(message.get("method"))

def wait_for_load(timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        message = json.loads(ws.recv())
        record(message)
        if message.get("method") == "Page.loadEventFired":
            return
    raise RuntimeError("the page did not load")

def evaluate(expression):
    result = call("Runtime.evaluate", expression=expression, returnByValue=True)
    if "exceptionDetails" in result:
        raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
    return result["result"].get("value")

failures = []
def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)

def open_page(url):
    call("Page.navigate", url=url)
    wait_for_load()

def click(selector):
    found = evaluate(f"(() => {{ const a = document.querySelector({json.dumps(selector)}); if (!a) return false; a.click(); return true; }})()")
    if not found:
        raise RuntimeError(f"no element {selector} to click on {evaluate('location.href')}")
    wait_for_load()

call("Network.enable")
call("Page.enable")
call("Emulation.setDeviceMetricsOverride", width=1280, height=900, deviceScaleFactor=1, mobile=False)

open_page(base + "/")
check(evaluate("document.documentElement.lang") == "id", "the dashboard is in Bahasa Indonesia by default")
check(evaluate("document.querySelector('#demand h2').textContent") == "Permintaan layanan per bulan", "the demand section is titled in Indonesian")
provinces = evaluate("[...document.querySelectorAll('#areas a.drill')].map(a => a.textContent)")
check("Jawa Timur" in provinces and "Nusa Tenggara Barat" in provinces, f"the provinces are named from the wilayah list: {provinces}")
bars = evaluate("document.querySelectorAll('svg.chart rect.bar').length")
check(bars >= 1, f"the demand chart is an inline SVG with bars ({bars})")

click('#areas a.drill[href="/?area=35"]')
check(evaluate("document.getElementById('area-name').textContent") == "Jawa Timur", "drill-down: the province page")
click('#areas a.drill[href="/?area=35.07"]')
check(evaluate("document.getElementById('area-name').textContent") == "Kabupaten Malang", "drill-down: the kabupaten page")
click('#areas a.drill[href="/?area=35.07.01"]')
check(evaluate("document.getElementById('area-name').textContent") == "Donomulyo", "drill-down: the kecamatan page")
rows = evaluate("document.querySelectorAll('#services tr[data-service]').length")
check(rows >= 3, f"the kecamatan's service table has rows ({rows})")
desa = evaluate("[...document.querySelectorAll('#areas a.drill')].map(a => a.textContent)")
check("Tulungrejo" in desa, f"the kecamatan lists its desa by name ({len(desa)})")
check(evaluate("document.querySelectorAll('#nodes tr').length") >= 2, "the kecamatan's node is listed")
crumbs = evaluate("[...document.querySelectorAll('nav.crumbs a')].map(a => a.textContent)")
check(crumbs == ["Semua wilayah", "Jawa Timur", "Kabupaten Malang"], f"the breadcrumb leads back up: {crumbs}")

click("#lang-switch")
check(evaluate("document.documentElement.lang") == "en", "the language switch turns the page English")
check(evaluate("document.querySelector('#demand h2').textContent") == "Demand for services by month", "the demand section in English")
check(evaluate("location.search") == "?area=35.07.01&lang=en", "the switch keeps the area")
check(evaluate("document.getElementById('area-name').textContent") == "Donomulyo", "the same kecamatan, in English")

open_page(base + "/?area=52.01.01")
check(evaluate("document.getElementById('area-name').textContent") == "Gerung", "a WITA kecamatan's page (Gerung, Lombok Barat)")
check("WITA" in evaluate("document.querySelector('p.note').textContent"), "its page tells the time in WITA")

# A phone: the page fits the screen's width (wide tables scroll inside their own box, the chart scales).
call("Emulation.setDeviceMetricsOverride", width=390, height=844, deviceScaleFactor=2, mobile=True)
open_page(base + "/?area=35.07.01")
overflow = evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
check(overflow <= 0, f"on a 390-pixel phone screen the page does not scroll sideways (overflow {overflow} px)")
chart = evaluate("document.querySelector('svg.chart').getBoundingClientRect().width")
check(0 < chart <= 390, f"the chart scales to the phone's width ({chart} px)")
call("Emulation.setDeviceMetricsOverride", width=1280, height=900, deviceScaleFactor=1, mobile=False)

if screenshot:
    open_page(base + "/?area=35.07.01")
    data = call("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"]
    with open(screenshot, "wb") as out:
        out.write(base64.b64decode(data))
    print(f"screenshot: {screenshot}")

elsewhere = [url for url in requested if urllib.parse.urlsplit(url).netloc != aggregator and not url.startswith("data:")]
check(not elsewhere, f"every request went to the aggregator ({len(requested)} requests; elsewhere: {elsewhere[:5]})")
ws.close()
if failures:
    print(f"{len(failures)} check(s) failed", file=sys.stderr)
    sys.exit(1)
print(f"browser checks passed ({len(requested)} requests, all to {aggregator})")
