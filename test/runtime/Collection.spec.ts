import Runtime from "../Runtime";

export = () => {
	describe("CollectionService", () => {
		it("counts tagged instances only while they are in the DataModel", () => {
			const CollectionService = game.GetService("CollectionService");
			const folder = new Instance("Folder");
			folder.AddTag("Coin");
			expect(folder.HasTag("Coin")).to.equal(true);
			expect(CollectionService.GetTagged("Coin").size()).to.equal(0);
			folder.Parent = game.GetService("Workspace");
			expect(CollectionService.GetTagged("Coin")[0]).to.equal(folder);
			expect(CollectionService.GetAllTags().includes("Coin")).to.equal(true);
			folder.Parent = undefined;
			expect(CollectionService.GetTagged("Coin").size()).to.equal(0);
		});

		it("fires the added and removed signals for tag changes inside the DataModel and for moves in and out", () => {
			const CollectionService = game.GetService("CollectionService");
			const events: string[] = [];
			CollectionService.GetInstanceAddedSignal("Lava").Connect((i) => events.push(`+${i.Name}`));
			CollectionService.GetInstanceRemovedSignal("Lava").Connect((i) => events.push(`-${i.Name}`));
			const model = new Instance("Model");
			model.Name = "Pit";
			const inner = new Instance("Folder");
			inner.Name = "Floor";
			inner.Parent = model;
			inner.AddTag("Lava"); // outside the DataModel: no signal
			model.Parent = game.GetService("Workspace"); // the tagged descendant enters
			model.AddTag("Lava");
			model.AddTag("Lava"); // already tagged: nothing
			CollectionService.RemoveTag(model, "Lava");
			model.Destroy(); // the tagged descendant leaves
			expect(events.join(" ")).to.equal("+Floor +Pit -Pit -Floor");
		});

		it("reads and writes the same tags through the service and the instance, and Clone copies them", () => {
			const CollectionService = game.GetService("CollectionService");
			const part = new Instance("Folder");
			CollectionService.AddTag(part, "A");
			part.AddTag("B");
			expect(CollectionService.HasTag(part, "B")).to.equal(true);
			expect(CollectionService.GetTags(part).join(",")).to.equal("A,B");
			const copy = part.Clone();
			expect(copy.GetTags().join(",")).to.equal("A,B");
			part.RemoveTag("A");
			expect(part.GetTags().join(",")).to.equal("B");
			expect(copy.HasTag("A")).to.equal(true);
		});

		it("keeps each server's tags apart", () => {
			const a = Runtime.startServer({ name: "A" });
			const b = Runtime.startServer({ name: "B" });
			a.call(() => {
				const f = new Instance("Folder", game.GetService("Workspace"));
				f.AddTag("Spawn");
			});
			expect(a.call(() => game.GetService("CollectionService").GetTagged("Spawn").size())).to.equal(1);
			expect(b.call(() => game.GetService("CollectionService").GetTagged("Spawn").size())).to.equal(0);
		});
	});
};
