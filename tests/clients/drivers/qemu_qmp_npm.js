// Drives one QMP server with the npm package qemu-qmp and prints what the
// library returned, one JSON object a line, for the pytest test to compare
// between QEMU 7.2 and qmonitor.  Usage: node qemu_qmp_npm.js SOCKET
// (NODE_PATH names the node_modules directory that holds qemu-qmp).
"use strict";
const QMP = require("qemu-qmp");

const sock = process.argv[2];
const out = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
const guard = setTimeout(() => {
  out({ step: "timeout" });
  process.exit(2);
}, 90000);

const qmp = new QMP();

// The library emits each QMP event under its lower-cased name, with the
// event's name as the only argument (its data and timestamp are dropped).
for (const name of ["stop", "resume", "shutdown", "reset", "powerdown"]) {
  qmp.on(name, (arg) => out({ step: "event", listener: name, arg }));
}
qmp.on("end", () => out({ step: "socket-end" }));
qmp.on("close", (hadError) => {
  out({ step: "socket-close", hadError });
  clearTimeout(guard);
});

// execute() matches replies to callbacks first in, first out; an error
// reply becomes an Error carrying only the description.
function run(command, args) {
  return new Promise((resolve) => {
    const done = function (err, ret) {
      const rec = { step: "reply", command };
      if (args) rec.arguments = args;
      if (err) rec.error = { message: err.message, isError: err instanceof Error };
      else rec.return = ret;
      out(rec);
      resolve();
    };
    if (args) qmp.execute(command, args, done);
    else qmp.execute(command, done);
  });
}

qmp.connect(sock, async (err) => {
  if (err) {
    out({ step: "connect-error", code: err.code });
    process.exit(1);
  }
  // connect() copies the greeting's QMP member onto the socket object.
  out({ step: "greeting", version: qmp.version, capabilities: qmp.capabilities });
  await run("query-status");
  await run("query-version");
  await run("stop");
  await run("query-status");
  await run("cont");
  await run("query-status");
  await run("no-such-command");
  await run("qom-get", { path: "/machine", property: "no-such-property" });
  await run("qom-get", { path: "/no/such/object", property: "type" });
  await run("qom-list", { path: "/machine/unattached" });
  await run("human-monitor-command", { "command-line": "info status" });
  await run("human-monitor-command", { "command-line": "no-such-hmp-command" });
  // Several in flight: the library writes each request as soon as it is
  // issued (with no separator between them) and pairs replies in order.
  await Promise.all([
    run("query-name"),
    run("query-target"),
    run("stop"),
    run("query-status"),
    run("cont"),
    run("query-kvm"),
  ]);
  await run("quit");
});
