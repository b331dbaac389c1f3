package web

func (c *console) objectPages(page func(string, pageFunc)) {}
