/**
 * Per-server faults a spec can inject: a wall clock that disagrees with the others', and MessagingService
 * subscriptions that fail or hear nothing.
 */
import Runtime from "../Runtime";
import { expectError } from "../Expect";

export = () => {
	beforeEach(() => Runtime.configureMessaging({ delay: 0.05, loss: 0 }));

	describe("clockOffset", () => {
		it("moves os.time, tick, os.date and DateTime.now of that server only", () => {
			const a = Runtime.startServer({ name: "A" });
			const b = Runtime.startServer({ name: "B", clockOffset: -20 });
			const [timeA, tickA, nowA, dateA] = a.call(() => [
				os.time(),
				tick(),
				DateTime.now().UnixTimestamp,
				os.date("!*t"),
			]);
			const [timeB, tickB, nowB, dateB] = b.call(() => [
				os.time(),
				tick(),
				DateTime.now().UnixTimestamp,
				os.date("!*t"),
			]);
			expect(timeA - timeB).to.equal(20);
			expect(math.floor(tickA - tickB + 0.5)).to.equal(20);
			expect(nowA - nowB).to.equal(20);
			expect((dateA.min * 60 + dateA.sec - (dateB.min * 60 + dateB.sec) + 3600) % 3600).to.equal(20);
		});

		it("leaves os.clock and DataStore timestamps on the shared clock", () => {
			const a = Runtime.startServer({ name: "A" });
			const b = Runtime.startServer({ name: "B", clockOffset: 3600 });
			expect(math.abs(a.call(() => os.clock()) - b.call(() => os.clock())) < 0.1).to.equal(true);
			const write = (server: typeof a, key: string) =>
				server.call(() => {
					const store = game.GetService("DataStoreService").GetDataStore("Clocks");
					store.SetAsync(key, 1);
					const [, info] = store.GetAsync(key);
					return (info as DataStoreKeyInfo).UpdatedTime;
				});
			const updatedA = write(a, "a");
			const updatedB = write(b, "b");
			expect(math.abs(updatedA - updatedB) < 10_000).to.equal(true);
		});

		it("changes during a run with setClockOffset, and refuses a value that is not a finite number", () => {
			const a = Runtime.startServer({ name: "A" });
			const before = a.call(() => os.time());
			a.setClockOffset(-120);
			expect(before - a.call(() => os.time())).to.equal(120);
			expectError(() => a.setClockOffset(0 / 0), "SimServer:setClockOffset(): seconds must be a finite number");
			expectError(
				() => Runtime.startServer({ clockOffset: "x" as never }),
				"startServer: options.clockOffset must be a finite number",
			);
		});
	});

	describe("messaging", () => {
		const listen = (server: ReturnType<typeof Runtime.startServer>, topic: string) => {
			const heard: defined[] = [];
			const [ok, err] = server.call(() =>
				pcall(() =>
					game.GetService("MessagingService").SubscribeAsync(topic, (m) => heard.push(m.Data as defined)),
				),
			);
			return { heard, ok, err: tostring(err) };
		};
		const publish = (server: ReturnType<typeof Runtime.startServer>, topic: string, data: string) =>
			server.call(() => game.GetService("MessagingService").PublishAsync(topic, data));

		it('"subscribeFails": SubscribeAsync errors; the server can still publish', () => {
			const a = Runtime.startServer({ name: "A", messaging: "subscribeFails" });
			const b = Runtime.startServer({ name: "B" });
			const onA = listen(a, "T");
			const onB = listen(b, "T");
			expect(onA.ok).to.equal(false);
			expect(onA.err.find("SubscribeAsync", 1, true)[0]).to.be.ok();
			expect(onB.ok).to.equal(true);
			publish(a, "T", "from A");
			Runtime.wait(1);
			expect(onB.heard.size()).to.equal(1);
		});

		it('"deaf": SubscribeAsync succeeds and nothing arrives; setMessaging("ok") makes it hear again', () => {
			const a = Runtime.startServer({ name: "A", messaging: "deaf" });
			const b = Runtime.startServer({ name: "B" });
			const onA = listen(a, "T");
			const onB = listen(b, "T");
			expect(onA.ok).to.equal(true);
			publish(b, "T", "one");
			publish(a, "T", "two");
			Runtime.wait(1);
			expect(onA.heard.size()).to.equal(0);
			expect(onB.heard.size()).to.equal(2);
			a.setMessaging("ok");
			publish(b, "T", "three");
			Runtime.wait(1);
			expect(onA.heard.size()).to.equal(1);
			expect(onB.heard.size()).to.equal(3);
			b.setMessaging("deaf");
			publish(a, "T", "four");
			Runtime.wait(1);
			expect(onB.heard.size()).to.equal(3);
			expectError(
				() => a.setMessaging("loud" as never),
				'SimServer:setMessaging(): mode must be "ok", "subscribeFails" or "deaf"',
			);
		});
	});
};
