"""Layout passes on the box tree: no holes, page fill, tables, columns' give-way, feathering."""
