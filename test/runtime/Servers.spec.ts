import Runtime from "../Runtime";
import { expectContains } from "../Expect";

function storeOf(server: ReturnType<typeof Runtime.startServer>) {
	return server.game.GetService("DataStoreService").GetDataStore("Servers");
}

export = () => {
	beforeEach(() => Runtime.configureDataStore({ model: "official", latency: { min: 0.05, max: 0.15 } }));

	describe("several servers", () => {
		it("gives each server its own game, JobId, _G and output", () => {
			const a = Runtime.startServer({ name: "A" });
			const b = Runtime.startServer({ name: "B", placeId: 99 });
			expect(a.jobId).never.to.equal(b.jobId);
			expect(a.game.JobId).to.equal(a.jobId);
			expect(b.game.PlaceId).to.equal(99);
			expect(a.jobId.match("^%x+%-%x+%-%x+%-%x+%-%x+$")[0]).to.be.ok();
			a.call(() => print("hello from A"));
			expect(a.logs("print")[0].text).to.equal("hello from A");
			expect(b.logs().size()).to.equal(0);
			a.call(() => ((_G as { marker?: string }).marker = "A"));
			expect(a.call(() => (_G as { marker?: string }).marker)).to.equal("A");
			expect(b.call(() => (_G as { marker?: string }).marker)).to.equal(undefined);
			a.call(() => game.GetService("TestService").Message("via TestService"));
			expect(a.logs("print")[1].text).to.equal("via TestService");
		});

		it("crashes a server: its threads stop at once and its in-flight write never lands", () => {
			Runtime.configureDataStore({ latency: 2 });
			const a = Runtime.startServer({ name: "A" });
			const store = storeOf(a);
			let after = false;
			a.spawn(() => {
				store.SetAsync("crash", "written");
				after = true;
			});
			let ticks = 0;
			a.spawn(() => {
				for (;;) {
					task.wait(0.1);
					ticks++;
				}
			});
			Runtime.wait(1);
			const ticksAtCrash = ticks;
			a.crash();
			Runtime.wait(5);
			expect(after).to.equal(false);
			expect(ticks).to.equal(ticksAtCrash);
			expect(Runtime.store().get("Servers", undefined, "crash")[0]).to.equal(undefined);
			expect(a.dead).to.equal(true);
		});

		it("shuts down gracefully: players leave, BindToClose callbacks run and their saves land", () => {
			const a = Runtime.startServer({ name: "A" });
			const store = storeOf(a);
			const left: string[] = [];
			a.call(() => {
				game.GetService("Players").PlayerRemoving.Connect((player) => left.push(player.Name));
				game.BindToClose(() => {
					task.wait(10);
					store.SetAsync("closed", true);
				});
			});
			a.addPlayer(1, "Alice");
			const start = Runtime.now();
			a.shutdown();
			expect(left.join(",")).to.equal("Alice");
			expect(Runtime.store().get("Servers", undefined, "closed")[0]).to.equal(true);
			expect(Runtime.now() - start).to.be.near(10, 0.5);
			expect(a.dead).to.equal(true);
		});

		it("closes after 30 s even if a BindToClose callback is still running", () => {
			const a = Runtime.startServer({ name: "A" });
			const store = storeOf(a);
			a.call(() => {
				game.BindToClose(() => {
					task.wait(60);
					store.SetAsync("late", true);
				});
			});
			const start = Runtime.now();
			a.shutdown();
			expect(Runtime.now() - start).to.be.near(30, 0.1);
			Runtime.wait(60);
			expect(Runtime.store().get("Servers", undefined, "late")[0]).to.equal(undefined);
		});

		it("fires PlayerAdded and lists players; Kick removes the player", () => {
			const a = Runtime.startServer();
			const added: number[] = [];
			a.call(() => game.GetService("Players").PlayerAdded.Connect((p) => added.push(p.UserId)));
			const player = a.addPlayer(42, "Bob");
			expect(added[0]).to.equal(42);
			expect(player.IsDescendantOf(a.game)).to.equal(true);
			expect(a.game.GetService("Players").GetPlayers().size()).to.equal(1);
			player.Kick("bye");
			expect(a.game.GetService("Players").GetPlayers().size()).to.equal(0);
		});

		it("reports RunService state, Studio servers included", () => {
			const live = Runtime.startServer();
			const studio = Runtime.startServer({ studio: true });
			expect(live.game.GetService("RunService").IsStudio()).to.equal(false);
			expect(live.game.GetService("RunService").IsServer()).to.equal(true);
			expect(live.game.GetService("RunService").IsClient()).to.equal(false);
			expect(studio.game.GetService("RunService").IsStudio()).to.equal(true);
			expect(studio.jobId).to.equal("");
		});

		it("encodes and decodes JSON through HttpService, a function inside a table written as null", () => {
			const http = game.GetService("HttpService");
			expect(http.JSONEncode({ a: [1, 2, { b: true }] })).to.equal('{"a":[1,2,{"b":true}]}');
			const decoded = http.JSONDecode('{"x":[1,"two",null,false]}') as { x: unknown[] };
			expect(decoded.x[1]).to.equal("two");
			expect(http.JSONEncode({ f: () => 1, n: 2 })).to.equal('{"f":null,"n":2}');
			expect(http.GenerateGUID(false).match("^%x+%-%x+%-4%x+%-%x+%-%x+$")[0]).to.be.ok();
			expect(http.GenerateGUID().sub(1, 1)).to.equal("{");
		});
	});

	describe("MessagingService", () => {
		it("delivers messages between servers after a delay, with Data and Sent", () => {
			Runtime.configureMessaging({ delay: 0.5, loss: 0 });
			const a = Runtime.startServer();
			const b = Runtime.startServer();
			const got: Array<{ Data: unknown; Sent: number }> = [];
			b.call(() => game.GetService("MessagingService").SubscribeAsync("topic", (m) => got.push(m as never)));
			const sent = Runtime.now();
			a.call(() => game.GetService("MessagingService").PublishAsync("topic", { hello: "b" }));
			Runtime.waitUntil(() => got.size() === 1, 5);
			expect(Runtime.now() - sent).to.be.near(0.5, 2 / 60);
			expect((got[0].Data as { hello: string }).hello).to.equal("b");
		});

		it("refuses messages over 1 kB and topics over 80 characters", () => {
			const a = Runtime.startServer();
			const ms = a.game.GetService("MessagingService");
			const [ok1, e1] = a.call(() => pcall(() => ms.PublishAsync("t", string.rep("x", 1100))));
			expect(ok1).to.equal(false);
			expectContains(tostring(e1), "exceeds the 1kB limit");
			const [ok2] = a.call(() => pcall(() => ms.PublishAsync(string.rep("t", 81), "x")));
			expect(ok2).to.equal(false);
		});

		it("stops delivering to a crashed server and loses messages at the configured rate", () => {
			Runtime.configureMessaging({ delay: 0.1, loss: 0.5, seed: 3 });
			const a = Runtime.startServer();
			const b = Runtime.startServer();
			let got = 0;
			b.call(() => game.GetService("MessagingService").SubscribeAsync("loss", () => got++));
			for (let i = 0; i < 200; i++) a.call(() => game.GetService("MessagingService").PublishAsync("loss", i));
			Runtime.wait(1);
			expect(got > 60 && got < 140).to.equal(true);
			b.crash();
			const before = got;
			Runtime.configureMessaging({ loss: 0 });
			a.call(() => game.GetService("MessagingService").PublishAsync("loss", 1));
			Runtime.wait(1);
			expect(got).to.equal(before);
		});
	});
};
