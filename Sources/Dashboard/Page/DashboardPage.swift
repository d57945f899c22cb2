/// The dashboard's page: plain HTML and CSS, with its script served beside it
/// (``DashboardScript``) so that the content security policy can forbid inline scripts.
enum DashboardPage {
    /// Scripts and connections from this origin only; no frames, no plugins.
    static let contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; "
        + "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    /// The page for the application called `title`.
    static func html(title: String) -> String {
        let title = escape(title)
        return #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <link rel="icon" href="data:,">
        <title>\#(title) · apphost</title>
        <style>
          :root { --fg: #1f2328; --muted: #656d76; --line: #d0d7de; --bg: #f6f8fa; --accent: #0969da;
                  --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; }
          * { box-sizing: border-box; }
          body { margin: 0; font: 14px/1.45 system-ui, sans-serif; color: var(--fg); }
          header { display: flex; align-items: baseline; gap: 1rem; padding: .6rem 1.2rem; border-bottom: 1px solid var(--line); background: var(--bg); }
          header h1 { font-size: 1.1rem; margin: 0; }
          #connection { color: var(--muted); font-size: .85rem; }
          #connection.live::before { content: "● "; color: var(--ok); }
          main { padding: 1rem 1.2rem; }
          table { border-collapse: collapse; width: 100%; }
          th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
          th { font-weight: 600; color: var(--muted); font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; }
          #resources tbody tr { cursor: pointer; }
          #resources tbody tr:hover { background: var(--bg); }
          #resources tbody tr.selected { background: #ddf4ff; }
          .state { font-weight: 600; }
          .state[data-state=Running] { color: var(--ok); }
          .state[data-state=Starting], .state[data-state=Waiting], .state[data-state=Restarting], .state[data-state=Stopping] { color: var(--warn); }
          .state[data-state=Unhealthy], .state[data-state=FailedToStart] { color: var(--bad); }
          .state[data-state=Exited], .state[data-state=Stopped], .state[data-state=NotStarted] { color: var(--muted); }
          .detail { color: var(--muted); font-weight: normal; display: block; font-size: .85rem; }
          nav { display: flex; gap: .3rem; margin: 1.4rem 0 .6rem; align-items: baseline; }
          nav h2 { font-size: 1rem; margin: 0 1rem 0 0; }
          nav button { border: 1px solid var(--line); background: white; padding: .25rem .7rem; border-radius: 6px; cursor: pointer; }
          nav button[aria-selected=true] { background: var(--accent); color: white; border-color: var(--accent); }
          #logs { background: #0d1117; color: #e6edf3; font: 12.5px/1.5 ui-monospace, monospace; padding: .6rem .8rem; height: 28rem;
                  overflow: auto; white-space: pre-wrap; word-break: break-all; border-radius: 6px; margin: 0; }
          #logs .line.stderr { color: #ff7b72; }
          #logs .line.lifecycle { color: #79c0ff; }
          #logs .origin { color: #79c0ff; margin-right: .6rem; }
          #logs .time { color: #7d8590; margin-right: .6rem; }
          #logs .source { color: #d2a8ff; margin-right: .6rem; display: inline-block; min-width: 7ch; }
          #all-logs { margin-left: auto; border: 1px solid var(--line); background: white; padding: .2rem .7rem; border-radius: 6px; cursor: pointer; }
          #all-logs[aria-selected=true] { background: var(--accent); color: white; border-color: var(--accent); }
          .actions { margin-left: 1.2rem; display: flex; gap: .3rem; align-items: baseline; }
          .actions button { background: var(--bg); }
          .actions button:disabled { opacity: .45; cursor: default; }
          #action-status { color: var(--muted); font-size: .85rem; margin-left: .4rem; }
          #action-status.refused { color: var(--bad); }
          #log-filter { margin-left: auto; padding: .25rem .5rem; border: 1px solid var(--line); border-radius: 6px; }
          .counters { display: flex; gap: 2rem; margin: .4rem 0 .8rem; }
          .counters b { font-size: 1.3rem; display: block; }
          #feed { font: 12.5px/1.5 ui-monospace, monospace; max-height: 20rem; overflow: auto; padding: 0; list-style: none; }
          #feed li { border-bottom: 1px solid var(--line); padding: .2rem 0; }
          #feed li.refused { color: var(--bad, #c62828); }
          .empty { color: var(--muted); }
          [hidden] { display: none !important; }
        </style>
        </head>
        <body>
        <header><h1>\#(title)</h1><span id="connection">connecting…</span><button id="all-logs" aria-selected="false">All logs</button></header>
        <main>
          <table id="resources">
            <thead><tr><th>Name</th><th>Type</th><th>State</th><th>Started</th><th>Starts</th><th>PID</th><th>URL</th></tr></thead>
            <tbody></tbody>
          </table>
          <section id="details" hidden>
            <nav>
              <h2 id="details-name"></h2>
              <button data-tab="logs" aria-selected="true">Logs</button>
              <button data-tab="environment">Environment</button>
              <button data-tab="signalr">Hubs &amp; messages</button>
              <span class="actions">
                <button data-action="restart">Restart</button>
                <button data-action="stop">Stop</button>
                <button data-action="start">Start</button>
                <span id="action-status" role="status"></span>
              </span>
              <input id="log-filter" placeholder="Filter lines" aria-label="Filter lines">
            </nav>
            <pre id="logs" data-tab-panel="logs"></pre>
            <div data-tab-panel="environment" hidden>
              <p id="command"></p>
              <p id="identity"></p>
              <table id="environment"><thead><tr><th>Variable</th><th>Value</th></tr></thead><tbody></tbody></table>
            </div>
            <div data-tab-panel="signalr" hidden>
              <div class="counters">
                <div><b id="connection-count">0</b>connections</div>
                <div><b id="messages-in">0</b>messages in</div>
                <div><b id="messages-out">0</b>messages out</div>
                <div><b id="server-count">0</b>app servers</div>
              </div>
              <table id="connections">
                <thead><tr><th>Hub</th><th>Connection</th><th>User</th><th>Transport</th><th>Protocol</th><th>Groups</th><th>Since</th><th>App server</th></tr></thead>
                <tbody></tbody>
              </table>
              <h3>App servers (Default mode)</h3>
              <table id="servers">
                <thead><tr><th>Hub</th><th>Server</th><th>Connection</th><th>State</th><th>Clients</th><th>To server</th><th>From server</th><th>Since</th></tr></thead>
                <tbody></tbody>
              </table>
              <h3>Live messages</h3>
              <ul id="feed"></ul>
            </div>
          </section>
        </main>
        <script src="/dashboard.js"></script>
        </body>
        </html>
        """#
    }

    /// `text` safe inside HTML.
    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
