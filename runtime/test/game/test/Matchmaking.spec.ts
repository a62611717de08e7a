import Runtime from "@rbxts-profile/runtime";
import { ARENA_PLACE_ID } from "shared/Config";
import type { MatchData } from "server/Matchmaking";
import { dataOf, joinReady, remote } from "./Helpers";

function inArena(userId: number) {
	return Runtime.serverOf(userId)?.placeId === ARENA_PLACE_ID;
}

export = () => {
	describe("matchmaking", () => {
		it("matches two players queued on different lobbies into one reserved arena, with the match as join data", () => {
			const a = Runtime.startServer({ name: "LobbyA" });
			const b = Runtime.startServer({ name: "LobbyB" });
			const ann = joinReady(a, 21, "Ann");
			const bob = joinReady(b, 22, "Bob");
			const left: string[] = [];
			a.call(() => game.GetService("Players").PlayerRemoving.Connect((p) => left.push(p.Name)));
			a.client(ann).fireServer(remote<RemoteEvent>(a, "JoinQueue"));
			b.client(bob).fireServer(remote<RemoteEvent>(b, "JoinQueue"));
			Runtime.waitUntil(() => inArena(21) && inArena(22), 60, "both in the arena");
			const arena = Runtime.serverOf(21)!;
			expect(Runtime.serverOf(22)).to.equal(arena);
			expect(arena.privateServerId).never.to.equal("");
			expect(left.join(",")).to.equal("Ann");
			const join = arena.call(() => game.GetService("Players").GetPlayerByUserId(22)!.GetJoinData());
			const match = join.TeleportData as unknown as MatchData;
			// Members in queue order, which depends on which request reached the queue first.
			expect([...match.members].sort().join(",")).to.equal("21,22");
			expect(join.SourcePlaceId).to.equal(b.placeId);
			// The profiles followed the players: the arena holds both sessions now.
			Runtime.waitUntil(() => dataOf(arena).profiles.size() === 2, 60, "profiles loaded in the arena");
			expect(Runtime.memoryStore().queue("ArenaQueue").size()).to.equal(0);
		});

		it("retries a teleport that failed to start with the options TeleportInitFailed gives", () => {
			Runtime.configureTeleport({ failures: [{ userId: 31, result: "Flooded", count: 1 }] });
			const lobby = Runtime.startServer({ name: "Busy" });
			const cy = joinReady(lobby, 31, "Cy");
			const di = joinReady(lobby, 32, "Di");
			const failures: string[] = [];
			lobby.call(() =>
				game
					.GetService("TeleportService")
					.TeleportInitFailed.Connect((p, result) => failures.push(`${p.Name}:${result.Name}`)),
			);
			lobby.client(cy).fireServer(remote<RemoteEvent>(lobby, "JoinQueue"));
			lobby.client(di).fireServer(remote<RemoteEvent>(lobby, "JoinQueue"));
			Runtime.waitUntil(() => inArena(31) && inArena(32), 90, "both in the arena after the retry");
			expect(failures.join(",")).to.equal("Cy:Flooded");
			expect(Runtime.serverOf(31)).to.equal(Runtime.serverOf(32));
		});
	});
};
