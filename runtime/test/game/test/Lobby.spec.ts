import Runtime from "@rbxts-profile/runtime";
import { CRYSTAL_COINS, CRYSTAL_RESPAWN_SECONDS, CRYSTAL_TAG, MOTD_FALLBACK, VIP_PASS_ID } from "shared/Config";
import { joinReady, remote, stat } from "./Helpers";

export = () => {
	beforeAll(() => {
		Runtime.configureMarketplace({ gamePasses: [{ id: VIP_PASS_ID, name: "VIP", price: 200, owners: [2] }] });
		Runtime.configureHttp({
			handler: (request) =>
				request.Url.find("motd", 1, true)[0] !== undefined
					? { Body: '{"text":"Double coins this weekend"}' }
					: { StatusCode: 404 },
		});
	});

	describe("the lobby", () => {
		it("creates the remotes and shows the message of the day from the web API", () => {
			const lobby = Runtime.startServer({ name: "Lobby", httpEnabled: true });
			const storage = lobby.game.GetService("ReplicatedStorage");
			expect(storage.FindFirstChild("Remotes")!.FindFirstChild("CollectCrystal")!.IsA("RemoteEvent")).to.equal(
				true,
			);
			// The project file enables HTTP requests (HttpService.HttpEnabled in default.project.json).
			expect((storage.WaitForChild("Motd", 5) as StringValue).Value).to.equal("Double coins this weekend");
			// Without HttpEnabled every request errors, and the lobby falls back.
			const offline = Runtime.startServer({ name: "Offline", httpEnabled: false });
			const motd = offline.game.GetService("ReplicatedStorage").WaitForChild("Motd", 5) as StringValue;
			expect(motd.Value).to.equal(MOTD_FALLBACK);
		});

		it("pays for a crystal within reach once, untags it, and brings it back after the respawn time", () => {
			const lobby = Runtime.startServer({ name: "Crystals" });
			const player = joinReady(lobby, 1, "Ann");
			const crystals = () => lobby.call(() => game.GetService("CollectionService").GetTagged(CRYSTAL_TAG));
			expect(crystals().size()).to.equal(4);
			const crystal = crystals()[0] as BasePart;
			const folder = crystal.Parent;
			lobby.call(() => player.Character!.PivotTo(crystal.CFrame.add(new Vector3(4, 0, 0))));
			const client = lobby.client(player);
			const collect = remote<RemoteEvent>(lobby, "CollectCrystal");
			client.fireServer(collect, crystal);
			client.fireServer(collect, crystal);
			// The server checks the VIP pass (a web request) before it pays.
			Runtime.waitUntil(() => stat(player, "Coins") > 0, 5, "coins paid");
			Runtime.wait(1);
			expect(stat(player, "Coins")).to.equal(CRYSTAL_COINS);
			expect(client.received(remote<RemoteEvent>(lobby, "CoinsChanged")).size()).to.equal(1);
			expect(crystals().size()).to.equal(3);
			expect(crystal.Parent).to.equal(undefined);
			Runtime.wait(CRYSTAL_RESPAWN_SECONDS + 0.5);
			expect(crystals().size()).to.equal(4);
			expect(crystal.Parent).to.equal(folder);
		});

		it("refuses a crystal out of reach of the character", () => {
			const lobby = Runtime.startServer({ name: "Far" });
			const player = joinReady(lobby, 3, "Cy");
			const crystal = lobby.call(
				() => game.GetService("CollectionService").GetTagged(CRYSTAL_TAG)[0],
			) as BasePart;
			const root = player.Character!.FindFirstChild("HumanoidRootPart") as BasePart;
			expect(root.Position.sub(crystal.Position).Magnitude > 12).to.equal(true);
			lobby.client(player).fireServer(remote<RemoteEvent>(lobby, "CollectCrystal"), crystal);
			Runtime.wait(1);
			expect(stat(player, "Coins")).to.equal(0);
			expect(crystal.HasTag(CRYSTAL_TAG)).to.equal(true);
		});

		it("doubles a crystal's coins for an owner of the VIP pass", () => {
			const lobby = Runtime.startServer({ name: "Vip" });
			const player = joinReady(lobby, 2, "Bo");
			const crystal = lobby.call(
				() => game.GetService("CollectionService").GetTagged(CRYSTAL_TAG)[1],
			) as BasePart;
			lobby.call(() => player.Character!.PivotTo(crystal.CFrame));
			lobby.client(player).fireServer(remote<RemoteEvent>(lobby, "CollectCrystal"), crystal);
			Runtime.waitUntil(() => stat(player, "Coins") > 0, 5, "coins paid");
			expect(stat(player, "Coins")).to.equal(CRYSTAL_COINS * 2);
		});

		it("keeps coins across servers: the profile follows the player to the next lobby", () => {
			const first = Runtime.startServer({ name: "First" });
			const player = joinReady(first, 4, "Di");
			const crystal = first.call(
				() => game.GetService("CollectionService").GetTagged(CRYSTAL_TAG)[2],
			) as BasePart;
			first.call(() => player.Character!.PivotTo(crystal.CFrame));
			first.client(player).fireServer(remote<RemoteEvent>(first, "CollectCrystal"), crystal);
			Runtime.waitUntil(() => stat(player, "Coins") > 0, 5, "coins paid");
			first.removePlayer(player);
			const second = Runtime.startServer({ name: "Second" });
			const again = joinReady(second, 4, "Di");
			expect(stat(again, "Coins")).to.equal(CRYSTAL_COINS);
		});
	});
};
