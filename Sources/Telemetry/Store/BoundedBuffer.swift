/// The newest `limit` items, oldest dropped first, with a count of those dropped.
struct BoundedBuffer<Element> {
    let limit: Int
    private var ring: [Element] = []
    private var oldest = 0
    /// How many items were dropped to keep within the limit.
    private(set) var dropped: UInt64 = 0

    init(limit: Int) {
        self.limit = limit
    }

    /// The items, oldest first.
    var items: [Element] { Array(ring[oldest...] + ring[..<oldest]) }

    var count: Int { ring.count }

    mutating func append(_ item: Element) {
        guard ring.count >= limit else { return ring.append(item) }
        ring[oldest] = item
        oldest = (oldest + 1) % ring.count
        dropped += 1
    }
}
