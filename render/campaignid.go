package render

// SetCampaignID sets the campaign id that goes into every Message-ID and
// VERP token, in place of Options.CampaignID. It is for a caller that learns
// the id only after parsing: a state file records the template's Hash and
// gives the id. Call it before the first Render, never while one runs.
func (t *Template) SetCampaignID(id string) { t.opts.CampaignID = id }
