// Drives QMP servers with the npm package node-qemu and prints what the
// library returned, one JSON object a line, for the pytest test to compare
// between QEMU 7.2 and qmonitor (NODE_PATH names the node_modules directory
// that holds node-qemu).
//
//   node node_qemu.js client SOCKET
//     its QMPClient against a server that is already listening;
//   node node_qemu.js process BINARY DIR [EXTRA_ARG...]
//     its QemuProcess starts BINARY (twice) from a typed config, with QMP
//     and the pidfile in DIR, then stops it with SIGTERM and with quit.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { QMPClient, QemuProcess, QmpCommandError, QmpError, buildArgs } = require("node-qemu");

const out = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
// The server QemuProcess started last: killed if the driver gives up or fails.
let current = null;
function giveUp(code) {
  if (current) current.kill().catch(() => {});
  setTimeout(() => process.exit(code), 100);
}
const guard = setTimeout(() => {
  out({ step: "timeout" });
  giveUp(2);
}, 120000);

function describeError(err) {
  const rec = { name: err.name, message: err.message };
  if (err instanceof QmpError) rec.code = err.code;
  if (err instanceof QmpCommandError) {
    rec.qmpClass = err.qmpClass;
    rec.description = err.description;
  }
  return rec;
}

// The event's timestamp differs from run to run: only its shape is kept.
function listen(client) {
  client.on("rawEvent", (e) => {
    const ts = e.timestamp;
    out({
      step: "event",
      event: e.event,
      data: e.data,
      timestamp: Number.isInteger(ts.seconds) && Number.isInteger(ts.microseconds),
    });
  });
  client.on("connected", () => out({ step: "connected" }));
  client.on("disconnected", () => out({ step: "disconnected" }));
}

async function call(what, promise) {
  try {
    const ret = await promise;
    out({ step: "call", call: what, return: ret === undefined ? "<undefined>" : ret });
  } catch (err) {
    out({ step: "call", call: what, error: describeError(err) });
  }
}

function until(cond, what) {
  return new Promise((resolve, reject) => {
    const end = Date.now() + 20000;
    const poll = () => {
      if (cond()) resolve();
      else if (Date.now() > end) reject(new Error("gave up waiting for " + what));
      else setTimeout(poll, 10);
    };
    poll();
  });
}

let disconnected = false;

async function clientSession(sock) {
  // oob: true makes connect() ask for the capability in qmp_capabilities.
  const client = new QMPClient({ socketPath: sock, oob: true });
  listen(client);
  client.on("disconnected", () => {
    disconnected = true;
  });
  await call("connect", client.connect());
  await call("queryStatus", client.queryStatus());
  await call("queryVersion", client.queryVersion());
  await call("stop", client.stop());
  await call("queryStatus", client.queryStatus());
  await call("cont", client.cont());
  await call("queryStatus", client.queryStatus());
  await call("execute no-such-command", client.execute("no-such-command"));
  await call("qomGet bad property", client.qomGet("/machine", "no-such-property"));
  await call("qomGet bad path", client.qomGet("/no/such/object", "type"));
  await call("qomGet", client.qomGet("/machine", "type"));
  await call("qomList", client.qomList("/machine/unattached"));
  await call("humanMonitorCommand", client.humanMonitorCommand("info status"));
  await call("execute with a bad argument", client.execute("query-status", { bogus: 1 }));
  // Out of band: the reply carries the id the library chose.
  await call("executeOob query-status", client.executeOob("query-status"));
  await call("executeOob migrate-pause", client.executeOob("migrate-pause"));
  // Several issued at once: the library sends the next one when the
  // previous one has been answered.
  await Promise.all([
    call("queryName", client.queryName()),
    call("queryKvm", client.queryKvm()),
    call("stop", client.stop()),
    call("humanMonitorCommand", client.humanMonitorCommand("info status")),
    call("cont", client.cont()),
    call("execute query-target", client.execute("query-target")),
  ]);
  await call("quit", client.quit());
  await until(() => disconnected, "the disconnect");
  await call("close", client.close());
  await call("execute after close", client.execute("query-status"));
}



async function processSession(binary, dir, extra, how) {
  const sock = path.join(dir, how + ".sock");
  const pidfile = path.join(dir, how + ".pid");
  const config = {
    machine: { type: "none" },
    qmp: { socketPath: sock },
    pidfile,
    extraArgs: ["-display", "none", "-nodefaults", ...extra],
  };
  out({ step: "argv", argv: buildArgs(config).map((a) => a.split(dir).join("<dir>")) });
  const proc = new QemuProcess({ binary, config });
  current = proc;
  // The exit and the socket's close come on different descriptors, in no
  // fixed order: both are printed once both have come.
  let exited = null;
  const stderr = [];
  proc.on("stderr", (text) => stderr.push(text));
  proc.on("exit", (code, signal) => {
    exited = { code, signal };
  });
  await proc.start();
  const pid = proc.pid;
  out({ step: "started", pidIsNumber: Number.isInteger(pid), socketPath: proc.socketPath === sock });
  // The socket file appears at bind(), a moment before listen(): a
  // connection refused then is retried, with a new client, as a caller of
  // QemuProcess has to.
  let client = null;
  disconnected = false;
  for (const end = Date.now() + 20000; ; ) {
    const attempt = new QMPClient({ socketPath: sock });
    attempt.on("disconnected", () => {
      disconnected = true;
    });
    try {
      await attempt.connect();
      client = attempt;
      break;
    } catch (err) {
      await attempt.close();
      if (!["ENOENT", "ECONNREFUSED"].includes(err.code) || Date.now() > end) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20));
      disconnected = false;
    }
  }
  out({ step: "connected" });
  out({ step: "pidfile", matches: fs.readFileSync(pidfile, "utf8").trim() === String(pid) });
  await call("queryStatus", client.queryStatus());
  if (how === "sigterm") {
    await call("proc.stop", proc.stop());
  } else {
    await call("quit", client.quit());
  }
  await until(() => exited && disconnected, "the exit");
  out({ step: "exit", ...exited, disconnected, pid: proc.pid === undefined ? "<none>" : "<set>" });
  await client.close();
  // The stderr chunks, with the sender's pid and the binary's path hidden.
  const text = stderr.join("").replace(/pid \d+/g, "pid <pid>");
  out({ step: "stderr", text });
  await until(() => !fs.existsSync(pidfile), "the pidfile to go");
  out({ step: "pidfile-removed" });
}

async function main() {
  const [mode, ...args] = process.argv.slice(2);
  if (mode === "client") {
    await clientSession(args[0]);
  } else {
    const [binary, dir, ...extra] = args;
    await processSession(binary, dir, extra, "sigterm");
    await processSession(binary, dir, extra, "quit");
  }
  clearTimeout(guard);
}

main().catch((e) => {
  out({ step: "failed", error: String(e && e.stack) });
  giveUp(1);
});
