import { expectError } from "../Expect";

export = () => {
	describe("Enum", () => {
		it("has every Enum of the API with its items' Name, Value and EnumType", () => {
			expect(Enum.Material.Plastic.Name).to.equal("Plastic");
			expect(Enum.Material.Plastic.Value).to.equal(256);
			expect(Enum.Material.Plastic.EnumType).to.equal(Enum.Material);
			expect(Enum.CurrencyType.Robux.Value).to.equal(1);
			expect(Enum.PartType.Ball.Value).to.equal(0);
			expect(Enum.SurfaceType.Smooth.Name).to.equal("Smooth");
			expect(Enum.KeyCode.E.Value).to.equal(101);
			expect(Enum.GetEnums().size() > 500).to.equal(true);
		});

		it("lists items, looks them up by name and value, and compares items by identity", () => {
			const items = Enum.SortDirection.GetEnumItems();
			expect(items.size()).to.equal(2);
			expect(items[0]).to.equal(Enum.SortDirection.Ascending);
			expect(Enum.Material.FromName("Neon")).to.equal(Enum.Material.Neon);
			expect(Enum.Material.FromValue(256)).to.equal(Enum.Material.Plastic);
			expect(Enum.Material.FromName("NoSuchMaterial")).to.equal(undefined);
			expect(Enum.Material.Plastic === Enum.Material.Plastic).to.equal(true);
			expect((Enum.Material.Plastic as EnumItem) === (Enum.PartType.Ball as EnumItem)).to.equal(false);
			expect(Enum.Material.Plastic.IsA("Material")).to.equal(true);
			expect(Enum.Material.Plastic.IsA("PartType")).to.equal(false);
		});

		it("prints and types its values as Roblox does", () => {
			expect(tostring(Enum.Material.Plastic)).to.equal("Enum.Material.Plastic");
			expect(tostring(Enum.Material)).to.equal("Material");
			expect(typeOf(Enum.Material.Plastic)).to.equal("EnumItem");
			expect(typeOf(Enum.Material)).to.equal("Enum");
		});

		it("errors on a missing item or Enum, and on assignment", () => {
			expectError(
				() => (Enum.Material as unknown as { Nope: EnumItem }).Nope,
				'Nope is not a valid member of "Enum.Material"',
			);
			expectError(
				() => (Enum as unknown as { NoSuchEnum: Enum }).NoSuchEnum,
				'NoSuchEnum is not a valid member of "Enum"',
			);
			expectError(
				() => ((Enum.Material.Plastic as unknown as { Value: number }).Value = 1),
				"cannot be assigned to",
			);
		});
	});
};
