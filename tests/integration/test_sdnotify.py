"""systemd's readiness protocol, as a Type=notify unit sees it.

The agent is started with $NOTIFY_SOCKET pointing at a datagram socket of the
test (what systemd does): READY=1 must come once the AgentX session is
registered (the MIB is served), STATUS= must say how many BMCs answer, a
SIGHUP must show as RELOADING=1 then READY=1, and a stop as STOPPING=1.
"""

import os
import signal
import socket

from world import TRUE


class NotifySocket:
    def __init__(self, path):
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.setblocking(False)
        self.messages = []

    def poll(self):
        while True:
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except BlockingIOError:
                return self.messages

    def lines(self):
        return [line for m in self.poll() for line in m.split("\n") if line]

    def close(self):
        self.sock.close()


def test_ready_status_reload_stopping(aworld):
    alpha = aworld.sim("alpha", channels=1, sim_id=1)
    beta = aworld.sim("beta", channels=1, sim_id=2, start=False)
    aworld.start_master()
    notify = NotifySocket(aworld.dir / "notify.sock")
    try:
        agent = aworld.start_agent([alpha, beta], wait=False)
        # started before the env could be set: restart it under "systemd"
        agent.proc.stop()
        agent.proc.env = dict(os.environ, NOTIFY_SOCKET=notify.path)
        agent.proc.start()
        aworld.wait_for(lambda: "READY=1" in notify.lines(), 20, "READY=1")
        # READY=1 only once the MIB is served through the master
        assert aworld.snmpget("ipmiBmcName.1").value == "alpha"
        aworld.wait_for(lambda: "STATUS=1 of 2 BMCs reachable" in notify.lines(), 20,
                        "a status with alpha reachable")
        beta.start()
        aworld.wait_for(lambda: "STATUS=2 of 2 BMCs reachable" in notify.lines(), 30,
                        "a status with both reachable")
        assert aworld.bmc_rows()[2]["ipmiBmcReachable"] == TRUE

        before = len(notify.lines())
        agent.proc.signal(signal.SIGHUP)
        aworld.wait_for(lambda: "READY=1" in notify.lines()[before:], 20, "READY=1 after reload")
        after = notify.lines()[before:]
        assert after.index("RELOADING=1") < after.index("READY=1")

        agent.proc.signal(signal.SIGTERM)
        assert agent.proc.wait(10) == 0
        assert "STOPPING=1" in notify.lines()
    finally:
        notify.close()
