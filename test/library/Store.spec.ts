import Runtime from "../Runtime";
import { ours, startServers, storeOn, stored, resetDefaults } from "./Fixtures";
import { expectContains } from "../Expect";

export = () => {
	beforeEach(resetDefaults);

	describe("GetProfileStore", () => {
		it("takes a name or { Name, Scope }, and keeps scopes apart", () => {
			const [a] = startServers("A");
			const live = a.call(() => storeOn(a, "Scoped", "Live").LoadProfileAsync("S_1"))!;
			live.Data.Coins = 1;
			live.Release();
			const test = a.call(() => storeOn(a, "Scoped", "Test").LoadProfileAsync("S_1"))!;
			expect(test.Data.Coins).to.equal(0);
			Runtime.wait(10);
			expect(stored("S_1", "Scoped", "Live")!.Data.Coins).to.equal(1);
			expect(stored("S_1", "Scoped", "Test")!.Data.Coins).to.equal(0);
			expect(stored("S_1", "Scoped")).to.equal(undefined);
		});

		it("names the bad argument", () => {
			const [a] = startServers("A");
			const { ProfileService } = ours(a);
			const cases: Array<[() => unknown, string]> = [
				[
					() => ProfileService.GetProfileStore(5 as never, {}),
					'argument "profileStoreIndex" must be a name or { Name, Scope }, got number',
				],
				[
					() => ProfileService.GetProfileStore("", {}),
					'argument "Name" must be a string of 1 to 50 characters, got string ()',
				],
				[
					() => ProfileService.GetProfileStore(string.rep("n", 51), {}),
					'argument "Name" must be a string of 1 to 50 characters',
				],
				[
					() => ProfileService.GetProfileStore({ Name: "x", Scope: "" }, {}),
					'argument "Scope" must be undefined or a string of 1 to 50 characters',
				],
				[
					() => ProfileService.GetProfileStore("x", 5 as never),
					'argument "profileTemplate" must be a table, got number (5)',
				],
			];
			for (const [call, message] of cases) {
				const [ok, err] = pcall(call);
				expect(ok).to.equal(false);
				expectContains(tostring(err), `[ProfileService] ProfileService.GetProfileStore(): ${message}`);
			}
		});
	});

	describe("GlobalUpdateProfileAsync", () => {
		it("runs the Active, Locked, Cleared lifecycle from a third server, delivered on auto-save", () => {
			const [a, sender] = startServers("A", "Sender");
			const profile = a.call(() => storeOn(a).LoadProfileAsync("GU_1"))!;
			const log: string[] = [];
			profile.GlobalUpdates.ListenToNewActiveUpdate((id, data) => {
				log.push(`active:${id}:${data.Item}`);
				profile.GlobalUpdates.LockActiveUpdate(id);
			});
			profile.GlobalUpdates.ListenToNewLockedUpdate((id, data) => {
				log.push(`locked:${id}:${data.Item}`);
				profile.Data.Items.push(data.Item as string);
				profile.GlobalUpdates.ClearLockedUpdate(id);
			});
			const result = sender.call(() =>
				storeOn(sender).GlobalUpdateProfileAsync("GU_1", (updates) => {
					updates.AddActiveUpdate({ Type: "Gift", Item: "Bow" });
					updates.AddActiveUpdate({ Type: "Gift", Item: "Arrow" });
				}),
			)!;
			expect(result.GetActiveUpdates().size()).to.equal(2);
			Runtime.waitUntil(() => log.size() === 4, 120, "delivery");
			expect(log.join(",")).to.equal("active:1:Bow,active:2:Arrow,locked:1:Bow,locked:2:Arrow");
			Runtime.waitUntil(() => stored("GU_1")!.GlobalUpdates[1].size() === 0, 60, "cleared");
			expect(profile.Data.Items.join(",")).to.equal("Bow,Arrow");
			expect(stored("GU_1")!.GlobalUpdates[0]).to.equal(2);
		});

		it("changes and clears Active updates, and works before the profile exists", () => {
			const [s] = startServers("Sender");
			const store = storeOn(s);
			s.call(() =>
				store.GlobalUpdateProfileAsync("GU_2", (u) => u.AddActiveUpdate({ Type: "Coins", Amount: 10 })),
			);
			Runtime.wait(7);
			s.call(() =>
				store.GlobalUpdateProfileAsync("GU_2", (u) => {
					const [[id, data]] = u.GetActiveUpdates();
					u.ChangeActiveUpdate(id, { Type: "Coins", Amount: (data.Amount as number) + 5 });
					u.AddActiveUpdate({ Type: "Temp" });
				}),
			);
			Runtime.wait(7);
			const result = s.call(() =>
				store.GlobalUpdateProfileAsync("GU_2", (u) => {
					const temp = u.GetActiveUpdates().find(([, d]) => d.Type === "Temp")!;
					u.ClearActiveUpdate(temp[0]);
				}),
			)!;
			const active = result.GetActiveUpdates();
			expect(active.size()).to.equal(1);
			expect(active[0][1].Amount).to.equal(15);
			expect(stored("GU_2")!.GlobalUpdates[1][0][1]).to.equal(2); // version bumped by the change
			const profile = s.call(() => store.LoadProfileAsync("GU_2"))!;
			expect(profile.GlobalUpdates.GetActiveUpdates()[0][1].Amount).to.equal(15);
			expect(profile.Data.Coins).to.equal(0);
		});

		it("errors when the handler yields, or when a method is used in the wrong place", () => {
			const [s] = startServers("Sender");
			const store = storeOn(s);
			const [ok, err] = s.call(() =>
				pcall(() =>
					store.GlobalUpdateProfileAsync("GU_3", (u) => {
						task.wait(1);
						u.AddActiveUpdate({ Type: "Never" });
					}),
				),
			);
			expect(ok).to.equal(false);
			expect(
				tostring(err).find(
					"The GlobalUpdateProfileAsync update handler yielded; it must not yield",
					1,
					true,
				)[0],
			).to.be.ok();
			expect(stored("GU_3")).to.equal(undefined);
			const [ok2, err2] = s.call(() =>
				pcall(() => store.GlobalUpdateProfileAsync("GU_3", (u) => u.LockActiveUpdate(1))),
			);
			expect(ok2).to.equal(false);
			expectContains(tostring(err2), "can't be used inside ProfileStore:GlobalUpdateProfileAsync()");
			const profile = s.call(() => store.LoadProfileAsync("GU_4"))!;
			const [ok3, err3] = pcall(() => profile.GlobalUpdates.AddActiveUpdate({ Type: "x" }));
			expect(ok3).to.equal(false);
			expectContains(tostring(err3), "only works inside ProfileStore:GlobalUpdateProfileAsync()");
			const [ok4, err4] = pcall(() => profile.GlobalUpdates.LockActiveUpdate(99));
			expect(ok4).to.equal(false);
			expectContains(tostring(err4), 'argument "updateId" (99) names no update');
			profile.Release();
			const [ok5, err5] = pcall(() => profile.GlobalUpdates.ClearLockedUpdate(1));
			expect(ok5).to.equal(false);
			expectContains(tostring(err5), "the profile is no longer active");
		});
	});

	describe("views, versions and rollbacks", () => {
		it("views the latest version without locking, and returns undefined for an empty key", () => {
			const [a, b] = startServers("A", "B");
			const profile = a.call(() => storeOn(a).LoadProfileAsync("View_1"))!;
			profile.Data.Coins = 4;
			profile.Save();
			// The save waits out the write cooldown of the load's write.
			Runtime.wait(10);
			const view = b.call(() => storeOn(b).ViewProfileAsync("View_1"))!;
			expect(view.Data.Coins).to.equal(4);
			expect(view.IsActive()).to.equal(false);
			expect(stored("View_1")!.MetaData.ActiveSession![1]).to.equal(a.jobId);
			expect(b.call(() => storeOn(b).ViewProfileAsync("Nobody"))).to.equal(undefined);
			const [ok, err] = pcall(() => view.GlobalUpdates.ListenToNewActiveUpdate(() => {}));
			expect(ok).to.equal(false);
			expectContains(tostring(err), "can't be used in view mode");
		});

		it("queries versions with DateTime or milliseconds, newest first, and rolls back with OverwriteAsync", () => {
			const [a, admin] = startServers("A", "Admin");
			const store = storeOn(a);
			const profile = a.call(() => store.LoadProfileAsync("Roll_1"))!;
			const stamps: number[] = [];
			for (let coins = 1; coins <= 4; coins++) {
				profile.Data.Coins = coins * 100;
				profile.Save();
				Runtime.wait(10);
				stamps.push(DateTime.now().UnixTimestampMillis);
			}
			profile.Data.Coins = 0; // the "incident"
			profile.Release();
			Runtime.wait(10);
			const adminStore = storeOn(admin);
			const query = adminStore.ProfileVersionQuery(
				"Roll_1",
				Enum.SortDirection.Descending,
				undefined,
				DateTime.fromUnixTimestampMillis(stamps[2]),
			);
			const view = admin.call(() => query.NextAsync())!;
			expect(view.Data.Coins).to.equal(300);
			const older = admin.call(() => query.NextAsync())!;
			expect(older.Data.Coins).to.equal(200);
			const ascending = adminStore.ProfileVersionQuery("Roll_1", undefined, stamps[0], stamps[1]);
			const first = admin.call(() => ascending.NextAsync())!;
			expect(first.Data.Coins).to.equal(200);
			expect(admin.call(() => ascending.NextAsync())).to.equal(undefined);
			view.ClearGlobalUpdates();
			admin.call(() => view.OverwriteAsync());
			const restored = stored("Roll_1")!;
			expect(restored.Data.Coins).to.equal(300);
			expect(restored.MetaData.ActiveSession).to.equal(undefined);
			const reloaded = a.call(() => store.LoadProfileAsync("Roll_1"))!;
			expect(reloaded.Data.Coins).to.equal(300);
		});

		it("serves concurrent NextAsync calls one at a time, in order", () => {
			const [a] = startServers("A");
			const store = storeOn(a);
			const profile = a.call(() => store.LoadProfileAsync("Roll_2"))!;
			for (let coins = 1; coins <= 3; coins++) {
				profile.Data.Coins = coins;
				profile.Save();
				Runtime.wait(7);
			}
			const query = store.ProfileVersionQuery("Roll_2");
			const seen: number[] = [];
			for (let i = 0; i < 4; i++) a.spawn(() => seen.push(query.NextAsync()!.Data.Coins));
			Runtime.wait(5);
			// Version 1 is the creation (Coins 0), then the three saves.
			expect(seen.join(",")).to.equal("0,1,2,3");
		});

		it("refuses OverwriteAsync and ClearGlobalUpdates on a loaded profile", () => {
			const [a] = startServers("A");
			const profile = a.call(() => storeOn(a).LoadProfileAsync("Roll_3"))!;
			const [ok, err] = pcall(() => profile.OverwriteAsync());
			expect(ok).to.equal(false);
			expectContains(tostring(err), "Profile:OverwriteAsync() only works in view mode");
			const [ok2] = pcall(() => profile.ClearGlobalUpdates());
			expect(ok2).to.equal(false);
		});

		it("checks the query arguments", () => {
			const [a] = startServers("A");
			const [ok, err] = pcall(() => storeOn(a).ProfileVersionQuery("k", "Up" as never));
			expect(ok).to.equal(false);
			expectContains(
				tostring(err),
				'argument "sortDirection" must be an Enum.SortDirection or undefined, got string (Up)',
			);
			const [ok2, err2] = pcall(() => storeOn(a).ProfileVersionQuery("k", undefined, "today" as never));
			expect(ok2).to.equal(false);
			expectContains(tostring(err2), 'argument "minDate" must be a DateTime, Unix milliseconds or undefined');
		});
	});

	describe("WipeProfileAsync", () => {
		it("erases the key", () => {
			const [a] = startServers("A");
			const store = storeOn(a);
			const profile = a.call(() => store.LoadProfileAsync("Wipe_1"))!;
			profile.Release();
			Runtime.wait(10);
			expect(a.call(() => store.WipeProfileAsync("Wipe_1"))).to.equal(true);
			expect(stored("Wipe_1")).to.equal(undefined);
		});
	});

	describe("Mock", () => {
		it("is isolated from the live store and has every method, ProfileVersionQuery included", () => {
			const [a] = startServers("A");
			const store = storeOn(a);
			const mock = store.Mock;
			const live = a.call(() => store.LoadProfileAsync("Mock_1"))!;
			const fake = a.call(() => mock.LoadProfileAsync("Mock_1"))!;
			expect(live).never.to.equal(fake);
			fake.Data.Coins = 77;
			fake.Save();
			Runtime.wait(2);
			expect(stored("Mock_1")!.Data.Coins).to.equal(0);
			a.call(() => mock.GlobalUpdateProfileAsync("Mock_2", (u) => u.AddActiveUpdate({ Type: "Mocked" })));
			expect(stored("Mock_2")).to.equal(undefined);
			expect(
				a
					.call(() => mock.ViewProfileAsync("Mock_2"))!
					.GlobalUpdates.GetActiveUpdates()
					.size(),
			).to.equal(1);
			const query = mock.ProfileVersionQuery("Mock_1", Enum.SortDirection.Descending);
			expect(a.call(() => query.NextAsync())!.Data.Coins).to.equal(77);
			const first = a.call(() => mock.ProfileVersionQuery("Mock_1").NextAsync())!;
			const [ok] = pcall(() => a.call(() => mock.ViewProfileAsync("Mock_1", first.KeyInfo.Version)));
			expect(ok).to.equal(true);
			fake.Release();
			Runtime.wait(1);
			const liveRemovals = Runtime.store().stats().byMethod.RemoveAsync ?? 0;
			expect(a.call(() => mock.WipeProfileAsync("Mock_1"))).to.equal(true);
			expect(a.call(() => mock.ViewProfileAsync("Mock_1"))).to.equal(undefined);
			expect(Runtime.store().stats().byMethod.RemoveAsync ?? 0).to.equal(liveRemovals);
			// A second ProfileStore of the same name shares the mock data, as it shares the live data.
			a.call(() => mock.GlobalUpdateProfileAsync("Mock_3", (u) => u.AddActiveUpdate({ Type: "Shared" })));
			const other = storeOn(a).Mock;
			expect(a.call(() => other.ViewProfileAsync("Mock_3"))).to.be.ok();
		});

		it("enforces the same rules as the live store: no yield in update handlers", () => {
			const [a] = startServers("A");
			const [ok] = a.call(() =>
				pcall(() => storeOn(a).Mock.GlobalUpdateProfileAsync("Mock_4", () => task.wait())),
			);
			expect(ok).to.equal(false);
		});
	});
};
