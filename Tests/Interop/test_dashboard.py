"""The dashboard of `apphost run`, in a real browser (headless Chromium driven by Selenium):
resources and their states, live logs, masked variables, the emulator's hubs and messages as
real SignalR clients use it, and a restart from the page."""
import json
import os
import re
import signal
import socket
import urllib.error
import urllib.request
from types import SimpleNamespace

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from apphost_run import AppHostRun
from conftest import REPOSITORY, mint
from test_app_server import ServerConnection
from test_clients import SignalRCoreClient

WAIT = 15


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-proxy-server"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
    yield driver
    driver.quit()


def wait_for(driver, condition, what):
    """Waits for `condition(driver)` to be truthy (the page updates itself); fails naming `what`.
    A row the page redraws while it is read is read again."""
    try:
        return WebDriverWait(driver, WAIT, poll_frequency=0.05, ignored_exceptions=[StaleElementReferenceException]).until(
            lambda d: condition(d))
    except Exception:
        raise AssertionError(f"the page never showed {what}; it shows:\n{driver.find_element(By.TAG_NAME, 'body').text}")


def texts(driver, selector):
    """The texts of the nodes `selector` finds, read again if the page redraws them meanwhile."""
    for _ in range(50):
        try:
            return [node.text for node in driver.find_elements(By.CSS_SELECTOR, selector)]
        except StaleElementReferenceException:
            continue
    raise AssertionError(f"{selector} kept changing while it was read")


def state_of(driver, name):
    cells = driver.find_elements(By.CSS_SELECTOR, f'#resources tr[data-name="{name}"] td.state')
    return cells[0].get_attribute("data-state") if cells else None


def test_the_dashboard_shows_resources_logs_variables_and_live_hubs(browser):
    run = AppHostRun(REPOSITORY, args=("--dashboard-port", "0"))
    client = None
    try:
        link = run.wait_for_line(lambda line: "dashboard at " in line).split("dashboard at ", 1)[1]
        base = link.split("/?t=", 1)[0]
        app = run.wait_for_app()
        api_pid = next(re.search(r"pid (\d+)", line).group(1) for line in run.lines if "| api started (pid" in line)

        # Without the link's token nothing is shown.
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base + "/api/resources", timeout=10)
        assert refused.value.code == 401

        # The link logs the browser in and the token leaves the address bar.
        browser.get(link)
        assert browser.current_url == base + "/"
        wait_for(browser, lambda d: state_of(d, "signalr") == "Running" and state_of(d, "api") == "Running", "both resources Running")
        api_row = browser.find_element(By.CSS_SELECTOR, '#resources tr[data-name="api"]')
        assert api_pid in api_row.text and app in api_row.text
        assert "SignalR emulator (Serverless)" in browser.find_element(By.CSS_SELECTOR, '#resources tr[data-name="signalr"]').text

        # The app's log, then a line it writes while the page is open.
        api_row.click()
        wait_for(browser, lambda d: any("serverless chat on" in text for text in texts(d, "#logs .line")), "the api's first line")
        request = urllib.request.Request(f"{app}/api/messages", method="POST", headers={"Content-Type": "application/json"},
                                         data=json.dumps({"user": "server", "text": "hello"}).encode())
        urllib.request.urlopen(request, timeout=10).close()
        wait_for(browser, lambda d: any("POST /api/messages" in text for text in texts(d, "#logs .line")), "the live log line")

        # Every resource's lines in one log, each marked with its resource, and nothing to act on.
        browser.find_element(By.ID, "all-logs").click()
        assert browser.current_url.endswith("#*/logs")
        wait_for(browser, lambda d: {"signalr", "api"} <= set(texts(d, "#logs .line .source")), "the lines of both resources")
        assert any("POST /api/messages" in text for text in texts(browser, "#logs .line"))
        assert not browser.find_element(By.CSS_SELECTOR, "nav .actions").is_displayed()
        urllib.request.urlopen(request, timeout=10).close()
        wait_for(browser, lambda d: sum("POST /api/messages" in text for text in texts(d, "#logs .line")) == 2, "a live line in the merged log")
        browser.find_element(By.CSS_SELECTOR, '#resources tr[data-name="api"]').click()
        assert browser.find_element(By.CSS_SELECTOR, "nav .actions").is_displayed()

        # Variables, with the access key masked.
        browser.find_element(By.CSS_SELECTOR, 'nav button[data-tab="environment"]').click()
        values = dict(zip(texts(browser, "#environment td.variable"), texts(browser, "#environment td.value")))
        assert values["ConnectionStrings__signalr"].endswith(";AccessKey=********;Version=1.0;")
        key = (REPOSITORY / ".apphost" / "keys" / "signalr.key").read_text().strip()
        assert key not in browser.page_source

        # The emulator's hubs: a real client connects and sends; the page shows both as they happen.
        browser.find_element(By.CSS_SELECTOR, '#resources tr[data-name="signalr"]').click()
        browser.find_element(By.CSS_SELECTOR, 'nav button[data-tab="signalr"]').click()
        assert browser.current_url.endswith("#signalr/signalr")
        client = SignalRCoreClient(f"{app}/api?userId=ann").start()
        wait_for(browser, lambda d: "ann" in texts(d, "#connections tbody td"), "ann's connection")
        assert browser.find_element(By.ID, "connection-count").text == "1"
        client.hub.send("sendMessage", ["hi from the browser test"])
        assert client.next() == [{"user": "ann", "text": "hi from the browser test"}]
        wait_for(browser, lambda d: any("messageIn" in text and "sendMessage" in text for text in texts(d, "#feed li")), "the message in")
        wait_for(browser, lambda d: int(d.find_element(By.ID, "messages-out").text) >= 1, "the broadcast counted")

        # An app server's connection (Default mode) shows beside the clients, with its state.
        port = int(re.search(r"Endpoint=http://localhost:(\d+);", values["ConnectionStrings__signalr"]).group(1))
        server = ServerConnection(SimpleNamespace(port=port), hub="chat", server_id="browser-test-server",
                                  token=mint("http://localhost/server/?hub=chat", key=key))
        try:
            wait_for(browser, lambda d: "browser-test-server" in texts(d, "#servers tbody td"), "the app server's connection")
            assert "ready" in texts(browser, "#servers tbody td")
            assert browser.find_element(By.ID, "server-count").text == "1"
            wait_for(browser, lambda d: any("serverConnected" in text and "browser-test-server" in text for text in texts(d, "#feed li")),
                     "the server connection in the feed")
        finally:
            server.close()
        wait_for(browser, lambda d: "browser-test-server" not in texts(d, "#servers tbody td"), "the app server gone")

        # Restart from the page: the api stops, starts again with a new pid, and is Running.
        browser.find_element(By.CSS_SELECTOR, '#resources tr[data-name="api"]').click()
        browser.find_element(By.CSS_SELECTOR, 'nav button[data-action="restart"]').click()
        wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, '#resources tr[data-name="api"] td.starts').text == "2", "a second start")
        wait_for(browser, lambda d: state_of(d, "api") == "Running", "the api Running again")
        new_pid = wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, '#resources tr[data-name="api"] td.pid').text, "the new pid")
        assert new_pid != api_pid
        # The api's log tells the restart among its lines.
        wait_for(browser, lambda d: any(text.endswith(f"started (pid {new_pid})") for text in texts(d, "#logs .line.lifecycle")),
                 "the restart in the log")
        run.wait_for_line(lambda line: f"api started (pid {new_pid})" in line)
        assert browser.find_element(By.CSS_SELECTOR, 'nav button[data-action="start"]').get_attribute("disabled") is not None

        # Stopping the app is seen live, to the end.
        run.signal(signal.SIGINT)
        run.wait_for_clean_exit()
        # No script error; the event streams' reconnects after the stop are expected.
        errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE" and "/events" not in entry["message"]]
        assert not errors, errors
    finally:
        if client:
            client.hub.stop()
        run.kill()


def test_a_taken_default_port_is_traded_for_a_free_one():
    # Free on 127.0.0.1 (so apphost picks it) but taken on ::1, where the dashboard also listens:
    # the bind fails after the choice, as when two apphost runs start at the same moment.
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    holder = socket.socket(socket.AF_INET6)
    try:
        holder.bind(("::1", 18888))
    except OSError as error:
        holder.close()
        pytest.skip(f"[::1]:18888 cannot be held here: {error}")
    holder.listen()
    run = AppHostRun(REPOSITORY)
    try:
        link = run.wait_for_line(lambda line: "dashboard at " in line).split("dashboard at ", 1)[1]
        port = int(link.split("localhost:", 1)[1].split("/", 1)[0])
        assert port != 18888
        token = link.split("?t=", 1)[1]
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/resources", headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert [resource["name"] for resource in json.load(response)] == ["signalr", "api"]
        run.signal(signal.SIGINT)
        run.wait_for_clean_exit()
    finally:
        run.kill()
        holder.close()


def test_the_telemetry_views_show_a_projects_traces_logs_and_metrics(browser, tmp_path):
    from test_telemetry import write_application
    folder = tmp_path / "app"
    write_application(folder)
    run = AppHostRun(folder, args=("--dashboard-port", "0"))
    try:
        link = run.wait_for_line(lambda line: "dashboard at " in line).split("dashboard at ", 1)[1]
        run.wait_for_line(lambda line: line.startswith("shop ") and "telemetry sent" in line, timeout=60)
        browser.get(link)
        wait_for(browser, lambda d: state_of(d, "shop") == "Running", "shop running")

        # Traces: the list, then the trace as a waterfall across its spans, then one span.
        browser.find_element(By.CSS_SELECTOR, '#views button[data-view="traces"]').click()
        wait_for(browser, lambda d: any(t.startswith("checkout") for t in texts(d, "#traces tbody td:nth-child(2)")), "the checkout trace")
        row = browser.find_element(By.XPATH, '//table[@id="traces"]//td[starts-with(., "checkout")]/..')
        assert "error" in row.get_attribute("class")
        row.click()
        wait_for(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#waterfall .span")) == 2, "the waterfall's two spans")
        labels = texts(browser, "#waterfall .label")
        assert [label.replace("\n", "") for label in labels] == ["shopcheckout", "shopcharge"]
        charge = browser.find_elements(By.CSS_SELECTOR, "#waterfall .span")[1]
        assert "error" in charge.get_attribute("class")
        bars = browser.find_elements(By.CSS_SELECTOR, "#waterfall .bar")
        assert all(bar.size["width"] > 0 for bar in bars)
        charge.click()
        wait_for(browser, lambda d: "card declined" in d.find_element(By.ID, "span-name").text, "the charge span's status")

        # Structured logs: the filter keeps the payment error and drops what does not match.
        browser.find_element(By.CSS_SELECTOR, '#views button[data-view="logs"]').click()
        wait_for(browser, lambda d: "payment failed for order 42" in texts(d, "#structured-logs tbody td:nth-child(4)"), "the log record")
        browser.find_element(By.ID, "structured-text").send_keys("no such words")
        wait_for(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, "#structured-logs tbody tr"), "the filter applied")
        browser.find_element(By.ID, "structured-text").clear()
        browser.find_element(By.ID, "structured-text").send_keys("payment")
        wait_for(browser, lambda d: texts(d, "#structured-logs tbody td:nth-child(2)") == ["error"], "the filtered record")
        # Its trace link opens the trace it was written in.
        browser.find_element(By.CSS_SELECTOR, "#structured-logs tbody td:last-child a").click()
        wait_for(browser, lambda d: not d.find_element(By.ID, "trace").get_attribute("hidden")
                 and "checkout" in d.find_element(By.ID, "trace-title").text, "the log's trace")

        # Metrics: the counter, and a chart of its points.
        browser.find_element(By.CSS_SELECTOR, '#views button[data-view="metrics"]').click()
        wait_for(browser, lambda d: "orders" in texts(d, "#instruments tbody td:nth-child(2)"), "the orders counter")
        browser.find_element(By.CSS_SELECTOR, '#instruments tr[data-instrument="orders"]').click()
        wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#chart-plot polyline"), "the chart")
        points = browser.find_element(By.CSS_SELECTOR, "#chart-plot polyline").get_attribute("points").split()
        assert points and "latest 3" in browser.find_element(By.ID, "chart-range").text
        errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE" and "/events" not in entry["message"]]
        assert not errors, errors
        run.signal(signal.SIGINT)
        run.wait_for_clean_exit()
    finally:
        run.kill()


def test_every_dashboard_script_parses(tmp_path):
    # The page's scripts are plain files (dashboard/); node checks their syntax without running them.
    import subprocess
    scripts = sorted((REPOSITORY / "dashboard").glob("*.js"))
    assert {script.name for script in scripts} >= {"dashboard.js", "telemetry.js"}
    for script in scripts:
        checked = subprocess.run(["node", "--check", str(script)], capture_output=True, text=True)
        assert checked.returncode == 0, f"{script.name}: {checked.stderr}"
