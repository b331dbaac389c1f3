package web

import (
	"net/http"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/objecthook"
)

// StreamHookView is a stream webhook as the JSON API shows it: without its
// secret, with how its deliveries go.
type StreamHookView struct {
	ID      string             `json:"id"`
	URL     string             `json:"url"`
	Account string             `json:"account"`
	Filter  objecthook.Filter  `json:"filter"`
	Created time.Time          `json:"created"`
	Status  *objecthook.Status `json:"status,omitempty"`
}

// streamHookRequest is the body of POST /api/v1/stream/webhooks.
type streamHookRequest struct {
	URL    string            `json:"url"`
	Secret string            `json:"secret"`
	Filter objecthook.Filter `json:"filter"`
	// After is the stream position to deliver after: 0 (the default)
	// replays everything the stream keeps; a subscriber's last "next"
	// resumes there.
	After uint64 `json:"after"`
	// Account makes the hook receive what that account may read (the
	// administrator's own rights when empty).
	Account string `json:"account"`
}

func (s *Server) streamHookView(h *objecthook.Hook) StreamHookView {
	v := StreamHookView{ID: h.ID, URL: h.URL, Account: h.Account, Filter: h.Filter, Created: h.Created}
	if s.StreamHookStatus != nil {
		if st, ok := s.StreamHookStatus()[h.ID]; ok {
			v.Status = &st
		}
	}
	return v
}

// checkStreamHooks refuses stream webhooks on a node without a stream.
func (s *Server) checkStreamHooks() error {
	if s.ObjectStream == nil {
		return rampart.Errorf(rampart.EUNAVAILABLE, "this node publishes no object stream, so it has no stream webhooks: start it with a message bus (rampart serve --bus embedded, or --nats URL)")
	}
	return nil
}

// handleListStreamHooks serves GET /api/v1/stream/webhooks: the hooks
// that receive what the account may read (an administrator's: every
// hook).
func (s *Server) handleListStreamHooks(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	if err := s.checkStreamHooks(); err != nil {
		return err
	}
	hooks, err := objecthook.List(r.Context(), s.Settings)
	if err != nil {
		return err
	}
	out := []StreamHookView{}
	for _, h := range hooks {
		if a.Admin || h.Account == a.Name {
			out = append(out, s.streamHookView(h))
		}
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"webhooks": out})
	return nil
}

// handleCreateStreamHook serves POST /api/v1/stream/webhooks: a hook that
// receives what an account may read of the stream, filtered, from the
// position after. Administrators only: a hook makes the node post to a
// URL of the maker's choice, which an account of a partner must not be
// able to point at the node's own network; the hook receives what the
// account it names (the administrator's own by default) may read.
func (s *Server) handleCreateStreamHook(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	if err := s.checkStreamHooks(); err != nil {
		return err
	}
	var req streamHookRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	account := a.Name
	if req.Account != "" && req.Account != a.Name {
		if _, err := s.Accounts.FindAccountByName(r.Context(), req.Account); err != nil {
			return err
		}
		account = req.Account
	}
	h, err := objecthook.New(req.URL, req.Secret, account, req.Filter, time.Now())
	if err != nil {
		return err
	}
	if err := objecthook.Save(r.Context(), s.Settings, h, req.After); err != nil {
		return err
	}
	s.writeJSON(w, http.StatusCreated, s.streamHookView(h))
	return nil
}

// handleDeleteStreamHook serves DELETE /api/v1/stream/webhooks/{id}
// (administrators only).
func (s *Server) handleDeleteStreamHook(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	if err := s.checkStreamHooks(); err != nil {
		return err
	}
	if err := objecthook.Delete(r.Context(), s.Settings, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
