"""Parts of the 常见问题 page: background loads, filter bar, detail pane, figures, screenshot."""
