import type { AdminEditUpdate, AdminPatchOperation } from "../../src";
import type * as SupportEdits from "../../examples/SupportEdits";
import Runtime, { type SimServer } from "../Runtime";
import { ours, resetDefaults, stored } from "./Fixtures";

/** A game server running the SupportEdits example with player 1 online; returns its live profile's accessors. */
function online(server: SimServer) {
	const edits = server.require<typeof SupportEdits>("ReplicatedStorage/Examples/SupportEdits");
	server.call(() => edits.start());
	const player = server.addPlayer(1, "One");
	Runtime.waitUntil(() => edits.profiles.has(player), 10, "loaded");
	return { edits, player, profile: () => edits.profiles.get(player)! };
}

function edit(patch: AdminPatchOperation[], id = "edit-1"): AdminEditUpdate {
	return { Type: "ProfileServiceAdminEdit", Id: id, Patch: patch };
}

export = () => {
	beforeEach(resetDefaults);

	it("AdminEdit.apply: add, replace, remove, move, copy and test over nested Data and lists, in place", () => {
		const server = Runtime.startServer();
		const { edits, player, profile } = online(server);
		const { AdminEdit } = ours(server);
		edits.giveCoins(player, 10);
		const items = profile().Data.Items;
		const receipt = server.call(() =>
			AdminEdit.apply(
				profile(),
				edit([
					{ op: "test", path: "/Coins", value: 10 },
					{ op: "replace", path: "/Coins", value: 110 },
					{ op: "add", path: "/Items/-", value: "Sword" },
					{ op: "add", path: "/Items/0", value: "Shield" },
					{ op: "copy", from: "/Items/1", path: "/Items/-" },
					{ op: "remove", path: "/Items/2" },
					{ op: "add", path: "/Quests", value: { Daily: { Done: 1 } } },
					{ op: "move", from: "/Quests/Daily", path: "/Weekly" },
				]),
			),
		);
		expect(receipt.Result).to.equal("applied");
		const data = profile().Data as unknown as { Coins: number; Items: string[]; Weekly: { Done: number } };
		expect(data.Coins).to.equal(110);
		expect(data.Items.join(",")).to.equal("Shield,Sword");
		expect(data.Weekly.Done).to.equal(1);
		// Game code that kept a reference to a table in Data still sees it.
		expect(profile().Data.Items).to.equal(items);
	});

	it("AdminEdit.apply: a failing test or a bad path applies nothing and leaves a refused receipt; receipts keep the last 10", () => {
		const server = Runtime.startServer();
		const { profile } = online(server);
		const { AdminEdit } = ours(server);
		const refused = server.call(() =>
			AdminEdit.apply(
				profile(),
				edit([
					{ op: "replace", path: "/Coins", value: 5 },
					{ op: "test", path: "/Coins", value: 99 },
				]),
			),
		);
		expect(refused.Result).to.equal("refused");
		expect(refused.Problem).to.equal('"test" failed at "/Coins": the live value is 5, the edit expected 99');
		expect(profile().Data.Coins).to.equal(0);
		const badPath = server.call(() =>
			AdminEdit.apply(profile(), edit([{ op: "remove", path: "/Missing/Deep" }], "edit-2")),
		);
		expect(badPath.Problem).to.equal('path "/Missing/Deep": nothing at Missing');
		for (let i = 3; i <= 12; i++) {
			server.call(() =>
				AdminEdit.apply(profile(), edit([{ op: "replace", path: "/Coins", value: i }], `edit-${i}`)),
			);
		}
		const receipts = profile().GetMetaTag<Array<{ Id: string }>>(AdminEdit.ReceiptTag)!;
		expect(receipts.size()).to.equal(10);
		expect(receipts[0].Id).to.equal("edit-3");
		expect(receipts[9].Id).to.equal("edit-12");
	});

	it("SupportEdits' handler: an edit sent as a global update from another server is applied once, and saved with its receipt", () => {
		const [home, sender] = [Runtime.startServer({ name: "Home" }), Runtime.startServer({ name: "Sender" })];
		const { profile } = online(home);
		const store = ours(sender).ProfileService.GetProfileStore("PlayerData", { Coins: 0, Items: [] as string[] });
		sender.call(() =>
			store.GlobalUpdateProfileAsync("Player_1", (updates) =>
				updates.AddActiveUpdate(edit([{ op: "add", path: "/Items/-", value: "Gift" }])),
			),
		);
		Runtime.waitUntil(() => stored("Player_1")!.GlobalUpdates[1].size() === 0, 120, "cleared");
		expect(profile().Data.Items.join(",")).to.equal("Gift");
		const saved = stored("Player_1")!;
		expect((saved.Data.Items as string[]).join(",")).to.equal("Gift");
		expect((saved.MetaData.MetaTags.ProfileServiceAdmin as Array<{ Result: string }>)[0].Result).to.equal(
			"applied",
		);
		Runtime.wait(60);
		expect(profile().Data.Items.size()).to.equal(1);
	});
};
