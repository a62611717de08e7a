import { expectError } from "../Expect";

export = () => {
	describe("Color3", () => {
		it("constructs from 0-1 components, 0-255 components, HSV and hex", () => {
			const red = Color3.fromRGB(255, 0, 0);
			expect(red).to.equal(new Color3(1, 0, 0));
			expect(red.R).to.equal(1);
			expect(new Color3()).to.equal(new Color3(0, 0, 0));
			expect(Color3.fromHSV(0, 1, 1)).to.equal(red);
			expect(Color3.fromHex("#FFAA00")).to.equal(Color3.fromRGB(255, 170, 0));
			expect(Color3.fromHex("fa0")).to.equal(Color3.fromRGB(255, 170, 0));
			expectError(() => Color3.fromHex("nothex"), "hex");
			expect(typeOf(red)).to.equal("Color3");
			expect(tostring(new Color3(1, 0, 0.5))).to.equal("1, 0, 0.5");
		});

		it("converts to hex (lowercase, the reference page's examples) and to HSV", () => {
			expect(Color3.fromRGB(255, 0, 0).ToHex()).to.equal("ff0000");
			expect(Color3.fromRGB(236, 0, 140).ToHex()).to.equal("ec008c");
			const [h, s, v] = Color3.fromRGB(0, 255, 0).ToHSV();
			expect(h).to.be.near(1 / 3, 1e-6);
			expect(s).to.equal(1);
			expect(v).to.equal(1);
		});

		it("interpolates with Lerp and is immutable", () => {
			const mid = new Color3(0, 0, 0).Lerp(new Color3(1, 0.5, 0), 0.5);
			expect(mid).to.equal(new Color3(0.5, 0.25, 0));
			expectError(() => ((mid as unknown as { R: number }).R = 1), "R cannot be assigned to");
		});
	});

	describe("BrickColor", () => {
		it("finds a color by name, number, RGB and Color3 (the reference page's Pastel Blue example)", () => {
			expect(new BrickColor("Pastel Blue").Number).to.equal(11);
			expect(new BrickColor(11).Name).to.equal("Pastel Blue");
			expect(new BrickColor(0.502, 0.734, 0.859).Name).to.equal("Pastel Blue");
			expect(new BrickColor(Color3.fromRGB(128, 187, 219)).Name).to.equal("Pastel Blue");
			expect(BrickColor.palette(70).Name).to.equal("Gold");
			expect(tostring(new BrickColor(11))).to.equal("Pastel Blue");
			expect(typeOf(new BrickColor(11))).to.equal("BrickColor");
		});

		it("falls back to Medium stone grey for an unknown name or number", () => {
			expect(new BrickColor("No such color" as unknown as "White").Name).to.equal("Medium stone grey");
			expect(new BrickColor(9999).Number).to.equal(194);
			expect(BrickColor.Gray().Name).to.equal("Medium stone grey");
		});

		it("has the named constructors, the documented colors and a random palette color", () => {
			expect(BrickColor.Red().Name).to.equal("Bright red");
			expect(BrickColor.Red().Color).to.equal(Color3.fromRGB(196, 40, 28));
			expect(BrickColor.White().Number).to.equal(1);
			expect(BrickColor.Black().Name).to.equal("Black");
			expect(BrickColor.Green().Name).to.equal("Dark green");
			expect(BrickColor.Blue().Name).to.equal("Bright blue");
			expect(BrickColor.Yellow().Name).to.equal("Bright yellow");
			expect(BrickColor.DarkGray().Name).to.equal("Dark stone grey");
			const random = BrickColor.random();
			let inPalette = false;
			for (let i = 0; i < 128; i++) if (BrickColor.palette(i) === random) inPalette = true;
			expect(inPalette).to.equal(true);
			expectError(() => BrickColor.palette(128), "palette");
			expect(new BrickColor(21) === BrickColor.Red()).to.equal(true);
		});
	});
};
