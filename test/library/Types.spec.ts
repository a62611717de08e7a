// Written the way a game uses the @rbxts/profileservice typings: only the import differs.
import ProfileServiceDefault, { type Profile } from "../../src";
import Runtime from "../Runtime";
import { ours, startServers, resetDefaults } from "./Fixtures";

const template = { Cash: 0, Items: new Array<string>(), LogInTimes: 0 };

export = () => {
	beforeEach(resetDefaults);

	it("infers Profile<Data, RobloxMetaData> from the template and the type argument", () => {
		const store = ProfileServiceDefault.GetProfileStore<typeof template, { Tier: string }>("Typed", template);
		const profile = store.Mock.LoadProfileAsync("Typed_1")!;
		// These lines only compile if Data and RobloxMetaData are typed from the template and type argument.
		const cash: number = profile.Data.Cash;
		const items: string[] = profile.Data.Items;
		profile.RobloxMetaData = { Tier: "Gold" };
		const typed: Profile<typeof template, { Tier: string }> = profile;
		expect(cash).to.equal(0);
		expect(items.size()).to.equal(0);
		expect(typed.RobloxMetaData.Tier).to.equal("Gold");
		profile.Release();
	});

	it("declares ProfileVersionQuery, so NextAsync compiles to a method call (the typings left it untyped)", () => {
		const store = ProfileServiceDefault.GetProfileStore("Typed", template);
		const profile = store.Mock.LoadProfileAsync("Typed_2")!;
		profile.Data.Cash = 5;
		profile.Release();
		task.wait(1);
		const query = store.Mock.ProfileVersionQuery("Typed_2", Enum.SortDirection.Descending);
		// With the typings' `any`, roblox-ts emits query.NextAsync() and the original errors; here it is query:NextAsync().
		const latest = query.NextAsync();
		expect(latest).to.be.ok();
		expect(latest!.Data.Cash).to.equal(5);
	});

	it("offers the seed's GetMetaTag, and keeps the typings' GetMetaTags as a deprecated alias", () => {
		const store = ProfileServiceDefault.GetProfileStore("Typed", template);
		const profile = store.Mock.LoadProfileAsync("Typed_3")!;
		profile.SetMetaTag("DataVersion", 2);
		expect(profile.GetMetaTag("DataVersion")).to.equal(2);
		expect(profile.GetMetaTags("DataVersion")).to.equal(2);
		profile.Release();
	});

	it("runs the seed's basic usage example: join, Reconcile, Release on leave", () => {
		const [server] = startServers("Game");
		const lib = ours(server);
		const store = lib.ProfileService.GetProfileStore("PlayerData_Example", template);
		const profiles = new Map<Player, Profile<typeof template>>();
		server.call(() => {
			const Players = game.GetService("Players");
			Players.PlayerAdded.Connect((player) => {
				const profile = store.LoadProfileAsync(`Player_${player.UserId}`);
				if (profile === undefined) return player.Kick();
				profile.AddUserId(player.UserId);
				profile.Reconcile();
				profile.ListenToRelease(() => {
					profiles.delete(player);
					player.Kick();
				});
				if (player.IsDescendantOf(Players)) {
					profiles.set(player, profile);
					profile.Data.LogInTimes += 1;
					profile.Data.Cash += 100;
				} else {
					profile.Release();
				}
			});
			Players.PlayerRemoving.Connect((player) => profiles.get(player)?.Release());
		});
		const player = server.addPlayer(42, "Builderman");
		Runtime.waitUntil(() => profiles.has(player), 10, "profile loaded");
		expect(profiles.get(player)!.Data.Cash).to.equal(100);
		server.removePlayer(player);
		Runtime.waitUntil(
			() => {
				const [value] = Runtime.store().get("PlayerData_Example", undefined, "Player_42");
				const meta = (value as { MetaData: { ActiveSession?: unknown } } | undefined)?.MetaData;
				return meta !== undefined && meta.ActiveSession === undefined;
			},
			30,
			"released on leave",
		);
		const [value, info] = Runtime.store().get("PlayerData_Example", undefined, "Player_42");
		expect((value as { Data: typeof template }).Data.LogInTimes).to.equal(1);
		expect(info!.userIds[0]).to.equal(42);
	});
};
