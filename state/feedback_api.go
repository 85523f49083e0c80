package state

import (
	"net/http"

	"github.com/tradestream/tradestream/codecs"
)

type feedbackRequest struct {
	Rating  *int   `json:"rating"`
	Comment string `json:"comment"`
}

// postFeedback is POST .../jobs/{job}/feedback: a rating of 1 to 5 stars and
// an optional comment. Whether the job is completed and not yet rated is a
// business rule, checked by the jobs group.
func (s *Server) postFeedback(w http.ResponseWriter, r *http.Request) {
	var req feedbackRequest
	s.jobCommand(w, r, &req, func(cmd *codecs.Command) error {
		var c checker
		if req.Rating == nil || *req.Rating < codecs.MinStars || *req.Rating > codecs.MaxStars {
			c.fail("rating must be an integer from 1 to 5")
		}
		c.text("comment", req.Comment, false, 2000)
		if c.err != nil {
			return c.err
		}
		cmd.Kind = codecs.KindGiveFeedback
		cmd.Feedback = &codecs.GiveFeedback{Rating: int32(*req.Rating), Comment: req.Comment}
		return nil
	})
}
