package web

func (c *console) attributionPages(page func(string, pageFunc)) {}
