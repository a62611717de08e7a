import { expectError } from "../Expect";

function expectVector(v: Vector3, x: number, y: number, z: number) {
	if (!v.FuzzyEq(new Vector3(x, y, z), 1e-4)) error(`expected ${x}, ${y}, ${z}, got ${tostring(v)}`, 2);
}
function expectFrame(a: CFrame, b: CFrame) {
	if (!a.FuzzyEq(b, 1e-4)) error(`expected ${tostring(b)}, got ${tostring(a)}`, 2);
}

export = () => {
	describe("CFrame", () => {
		it("constructs from a position, components and a quaternion", () => {
			const cf = new CFrame(1, 2, 3);
			expect(cf.Position).to.equal(new Vector3(1, 2, 3));
			expect(cf.X).to.equal(1);
			expect(new CFrame(new Vector3(1, 2, 3))).to.equal(cf);
			expect(new CFrame()).to.equal(CFrame.identity);
			const [x, y, z, r00, r01, r02, r10, r11, r12, r20, r21, r22] = cf.GetComponents();
			expect([x, y, z, r00, r01, r02, r10, r11, r12, r20, r21, r22].join(",")).to.equal(
				"1,2,3,1,0,0,0,1,0,0,0,1",
			);
			const quarterTurn = new CFrame(0, 0, 0, 0, math.sin(math.pi / 4), 0, math.cos(math.pi / 4));
			expectFrame(quarterTurn, CFrame.Angles(0, math.pi / 2, 0));
			expect(tostring(CFrame.identity)).to.equal("0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1");
			expect(typeOf(cf)).to.equal("CFrame");
		});

		it("rotates and translates vectors, and composes with another CFrame", () => {
			const turn = CFrame.Angles(0, math.pi / 2, 0);
			expectVector(turn.mul(new Vector3(1, 0, 0)), 0, 0, -1);
			const moved = new CFrame(10, 0, 0).mul(turn);
			expectVector(moved.mul(new Vector3(1, 0, 0)), 10, 0, -1);
			expect(new CFrame(1, 2, 3).add(new Vector3(1, 1, 1)).Position).to.equal(new Vector3(2, 3, 4));
			expect(new CFrame(1, 2, 3).sub(new Vector3(1, 1, 1)).Position).to.equal(new Vector3(0, 1, 2));
		});

		it("looks at a point: LookVector toward it, RightVector and UpVector square with it", () => {
			const cf = CFrame.lookAt(Vector3.zero, new Vector3(10, 0, 0));
			expectVector(cf.LookVector, 1, 0, 0);
			expectVector(cf.RightVector, 0, 0, 1);
			expectVector(cf.UpVector, 0, 1, 0);
			expectVector(new CFrame(new Vector3(0, 5, 0), new Vector3(0, 5, -10)).LookVector, 0, 0, -1);
			expect(cf.XVector).to.equal(cf.RightVector);
			expect(cf.ZVector).to.equal(cf.LookVector.mul(-1));
		});

		it("inverts, and converts between world and object space", () => {
			const a = new CFrame(1, 2, 3).mul(CFrame.Angles(0.3, 0.2, 0.1));
			const b = new CFrame(-4, 5, 6).mul(CFrame.Angles(0.1, 0.5, -0.2));
			expectFrame(a.mul(a.Inverse()), CFrame.identity);
			expectFrame(a.ToWorldSpace(a.ToObjectSpace(b)), b);
			const point = new Vector3(7, 8, 9);
			expectVector(a.PointToWorldSpace(a.PointToObjectSpace(point)), 7, 8, 9);
			expectVector(a.VectorToObjectSpace(a.VectorToWorldSpace(Vector3.xAxis)), 1, 0, 0);
			expectVector(new CFrame(10, 0, 0).PointToObjectSpace(new Vector3(12, 0, 0)), 2, 0, 0);
		});

		it("converts to and from Euler angles and axis-angle", () => {
			const [rx, ry, rz] = CFrame.Angles(0.1, 0.2, 0.3).ToEulerAnglesXYZ();
			expect(rx).to.be.near(0.1, 1e-5);
			expect(ry).to.be.near(0.2, 1e-5);
			expect(rz).to.be.near(0.3, 1e-5);
			const [ox, oy, oz] = CFrame.fromOrientation(0.4, 0.5, 0.6).ToOrientation();
			expect(ox).to.be.near(0.4, 1e-5);
			expect(oy).to.be.near(0.5, 1e-5);
			expect(oz).to.be.near(0.6, 1e-5);
			expectFrame(CFrame.fromEulerAnglesXYZ(0.1, 0.2, 0.3), CFrame.Angles(0.1, 0.2, 0.3));
			expectFrame(CFrame.fromAxisAngle(Vector3.yAxis, math.pi / 2), CFrame.Angles(0, math.pi / 2, 0));
			const [axis, angle] = CFrame.fromAxisAngle(Vector3.xAxis, 1).ToAxisAngle();
			expectVector(axis, 1, 0, 0);
			expect(angle).to.be.near(1, 1e-5);
		});

		it("interpolates position and rotation with Lerp", () => {
			const half = CFrame.identity.Lerp(new CFrame(10, 0, 0).mul(CFrame.Angles(0, math.pi / 2, 0)), 0.5);
			expectVector(half.Position, 5, 0, 0);
			expectFrame(half.Rotation, CFrame.Angles(0, math.pi / 4, 0));
		});

		it("is immutable and compares by value", () => {
			expect(new CFrame(1, 2, 3) === new CFrame(1, 2, 3)).to.equal(true);
			expect(new CFrame(1, 2, 3) === new CFrame(1, 2, 4)).to.equal(false);
			expectError(() => ((CFrame.identity as unknown as { X: number }).X = 1), "X cannot be assigned to");
		});
	});
};
