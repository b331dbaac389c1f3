package web

func (c *console) statementPages(page func(string, pageFunc)) {}
