package web

func (c *console) adminPages(page func(string, pageFunc)) {}
