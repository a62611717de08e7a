import { RunService } from "@rbxts/services";
import Runtime from "../Runtime";

export = () => {
	describe("virtual time", () => {
		it("advances only by what the code waits, with every clock in step", () => {
			const clock0 = os.clock();
			const tick0 = tick();
			const time0 = os.time();
			const now0 = DateTime.now().UnixTimestampMillis;
			const waited = task.wait(90);
			expect(waited).to.be.near(90, 1 / 60);
			expect(os.clock() - clock0).to.be.near(90, 1 / 60);
			expect(tick() - tick0).to.be.near(90, 1 / 60);
			expect(os.time() - time0).to.be.near(90, 1);
			expect(DateTime.now().UnixTimestampMillis - now0).to.be.near(90000, 17);
		});

		it("starts every spec file's world at the fixed epoch 2026-01-01T00:00:00Z", () => {
			// The world started at this epoch; the spec runs after a few frames at most.
			const epoch = DateTime.fromUniversalTime(2026, 1, 1).UnixTimestamp;
			expect(epoch).to.equal(1767225600);
			expect(os.time() >= epoch && os.time() < epoch + 3600).to.equal(true);
		});

		it("rounds waits up to whole 1/60 s frames and never returns on the same frame", () => {
			const t0 = os.clock();
			const waited = task.wait();
			expect(waited).to.be.near(1 / 60, 1e-9);
			expect(os.clock() - t0).to.be.near(1 / 60, 1e-9);
			expect(task.wait(0.001)).to.be.near(1 / 60, 1e-9);
			expect(task.wait(0.02)).to.be.near(2 / 60, 1e-9);
		});

		it("gives legacy wait() its 1/30 s minimum", () => {
			// eslint-disable-next-line roblox-ts/prefer-task-library -- the legacy API is what is under test
			const [elapsed] = wait();
			expect(elapsed).to.be.near(2 / 60, 1e-9);
		});
	});

	describe("ordering", () => {
		it("runs spawn at once, defer after the current thread, and delays by due time then creation order", () => {
			const order: string[] = [];
			task.delay(2, () => order.push("delay 2"));
			task.delay(1, () => order.push("delay 1a"));
			task.delay(1, () => order.push("delay 1b"));
			task.defer(() => order.push("defer"));
			task.spawn(() => order.push("spawn"));
			order.push("main");
			task.wait(3);
			expect(order.join(",")).to.equal("spawn,main,defer,delay 1a,delay 1b,delay 2");
		});

		it("runs threads deferred while draining in the same pass", () => {
			const order: string[] = [];
			task.defer(() => {
				order.push("outer");
				task.defer(() => order.push("inner"));
			});
			task.wait();
			expect(order.join(",")).to.equal("outer,inner");
		});

		it("cancels a waiting thread", () => {
			let ran = false;
			const thread = task.delay(1, () => (ran = true));
			task.cancel(thread);
			task.wait(2);
			expect(ran).to.equal(false);
			expect(coroutine.status(thread)).to.equal("dead");
		});

		it("supports legacy spawn and delay", () => {
			const order: string[] = [];
			/* eslint-disable roblox-ts/prefer-task-library -- the legacy API is what is under test */
			spawn(() => order.push("spawn"));
			delay(0.5, () => order.push("delay"));
			/* eslint-enable roblox-ts/prefer-task-library */
			order.push("main");
			task.wait(1);
			expect(order.join(",")).to.equal("main,spawn,delay");
		});

		it("resumes a coroutine.wrap'd thread that waits, as Roblox does", () => {
			let finished = 0;
			coroutine.wrap(() => {
				task.wait(5);
				finished = os.clock();
			})();
			const start = os.clock();
			expect(finished).to.equal(0);
			task.wait(6);
			expect(finished - start).to.be.near(5, 1 / 60);
		});
	});

	describe("frames", () => {
		it("fires Heartbeat and Stepped once per 1/60 s frame", () => {
			let beats = 0;
			let steps = 0;
			let lastDt = 0;
			const a = RunService.Heartbeat.Connect((dt) => {
				beats++;
				lastDt = dt;
			});
			const b = RunService.Stepped.Connect(() => steps++);
			task.wait(1);
			a.Disconnect();
			b.Disconnect();
			expect(beats).to.be.near(60, 1);
			expect(steps).to.equal(beats);
			expect(lastDt).to.be.near(1 / 60, 1e-9);
			const before = beats;
			task.wait(1);
			expect(beats).to.equal(before);
		});

		it("skips idle time when nothing listens to frames", () => {
			Runtime.setTimeLimit(3 * 86400);
			const wall = Runtime.wallClock();
			task.wait(24 * 3600);
			// A virtual day with no frame listeners is a single jump of the clock.
			expect(Runtime.wallClock() - wall < 1000).to.equal(true);
		});
	});

	describe("signals", () => {
		it("delivers BindableEvent arguments as copies and resumes Wait()", () => {
			const event = new Instance("BindableEvent");
			const payload = { n: 1 };
			let received: { n: number } | undefined;
			event.Event.Connect((value: { n: number }) => (received = value));
			task.delay(3, () => event.Fire(payload));
			const [value] = event.Event.Wait() as LuaTuple<[{ n: number }]>;
			expect(value.n).to.equal(1);
			expect(received).to.be.ok();
			expect(received).never.to.equal(payload);
		});
	});
};
