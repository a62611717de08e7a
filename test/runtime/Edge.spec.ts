import Runtime from "../Runtime";
import { expectError } from "../Expect";

export = () => {
	describe("what the runtime does not emulate", () => {
		it("names the service member Roblox has but the runtime lacks, and where to ask", () => {
			const message = expectError(
				() => (game.GetService("Players") as unknown as { BanAsync(): void }).BanAsync(),
				"rbxts-runtime does not emulate Players.BanAsync",
			);
			expect(message.find("@rbxts-profile/runtime", 1, true)[0] !== undefined).to.equal(true);
			expectError(
				() => game.GetService("Workspace").CurrentCamera,
				"rbxts-runtime does not emulate Workspace.CurrentCamera",
			);
			expectError(
				() => game.GetService("TeleportService").TeleportPartyAsync(1, []),
				"rbxts-runtime does not emulate TeleportService.TeleportPartyAsync",
			);
			// No spec of this file sets an HTTP handler.
			const web = Runtime.startServer({ httpEnabled: true });
			expectError(
				() => web.call(() => game.GetService("HttpService").GetAsync("https://example.com/")),
				"rbxts-runtime does not emulate HttpService requests without a handler",
			);
		});

		it("keeps Roblox's own errors for names Roblox does not know", () => {
			expectError(
				() => (game.GetService("Players") as unknown as { Nope: unknown }).Nope,
				"Nope is not a valid member of Players",
			);
			expectError(
				() => game.GetService("NoSuchService" as keyof Services),
				"'NoSuchService' is not a valid Service name",
			);
		});
	});

	describe("RunService and Workspace", () => {
		it("reports a running server outside Studio", () => {
			const RunService = game.GetService("RunService");
			expect(RunService.IsServer()).to.equal(true);
			expect(RunService.IsClient()).to.equal(false);
			expect(RunService.IsStudio()).to.equal(false);
			expect(RunService.IsRunning()).to.equal(true);
			const studio = Runtime.startServer({ studio: true });
			expect(studio.call(() => game.GetService("RunService").IsStudio())).to.equal(true);
		});

		it("fires Stepped, PostSimulation and Heartbeat every 1/60 s frame", () => {
			const RunService = game.GetService("RunService");
			const order: string[] = [];
			const c1 = RunService.Stepped.Connect(() => order.push("Stepped"));
			const c2 = RunService.PostSimulation.Connect(() => order.push("PostSimulation"));
			const c3 = RunService.Heartbeat.Connect((dt) => {
				order.push("Heartbeat");
				expect(dt).to.be.near(1 / 60, 1e-9);
			});
			const start = os.clock();
			RunService.Heartbeat.Wait();
			RunService.Heartbeat.Wait();
			c1.Disconnect();
			c2.Disconnect();
			c3.Disconnect();
			expect(os.clock() - start).to.be.near(2 / 60, 1e-6);
			expect(order.join(",").sub(1, 38)).to.equal("Stepped,PostSimulation,Heartbeat,Stepp");
		});

		it("has Roblox's default gravity and keeps what a game sets", () => {
			const Workspace = game.GetService("Workspace");
			expect(Workspace.Gravity).to.be.near(196.2, 1e-9);
			expect(Workspace.FallenPartsDestroyHeight).to.equal(-500);
			Workspace.Gravity = 50;
			expect(Workspace.Gravity).to.equal(50);
			task.wait(3);
			expect(Workspace.DistributedGameTime).to.be.near(Runtime.now(), 1 / 60);
		});
	});
};
