/// The start-order relation between resources: a project depends on what it references and
/// what it waits for.
public struct DependencyGraph: Sendable {
    /// Each resource's dependencies, with where each is written; only known resources appear.
    public private(set) var edges: [String: [Located<String>]] = [:]
    /// Resource names in file order.
    public let names: [String]

    /// Builds the graph of `model`; dependencies on unknown resources are left out.
    public init(_ model: ApplicationModel) {
        names = model.resources.map(\.name)
        let known = Set(names)
        for resource in model.resources {
            edges[resource.name] = resource.dependencies.filter { known.contains($0.value) && $0.value != resource.name }
        }
    }

    /// Every cycle, each as the path that closes it (`a → b → a`), found in file order.
    public func cycles() -> [[Located<String>]] {
        enum Mark { case visiting, done }
        var marks: [String: Mark] = [:]
        var path: [(name: String, via: Located<String>?)] = []
        var found: [[Located<String>]] = []

        func visit(_ name: String, via: Located<String>?) {
            if marks[name] == .done { return }
            if marks[name] == .visiting {
                // The cycle is the part of the path from `name`'s first visit, closed by `via`.
                guard let start = path.firstIndex(where: { $0.name == name }), let via else { return }
                found.append(path[(start + 1)...].compactMap(\.via) + [via])
                return
            }
            marks[name] = .visiting
            path.append((name, via))
            for edge in edges[name] ?? [] { visit(edge.value, via: edge) }
            path.removeLast()
            marks[name] = .done
        }
        for name in names { visit(name, via: nil) }
        return found
    }

    /// Resources grouped in waves: each wave depends only on earlier waves, so a wave's members
    /// can start together. Assumes no cycles (members of a cycle are left out).
    public func startWaves() -> [[String]] {
        var remaining = names
        var started = Set<String>()
        var waves: [[String]] = []
        while !remaining.isEmpty {
            let wave = remaining.filter { name in (edges[name] ?? []).allSatisfy { started.contains($0.value) } }
            if wave.isEmpty { break }
            waves.append(wave)
            started.formUnion(wave)
            remaining.removeAll { started.contains($0) }
        }
        return waves
    }
}
