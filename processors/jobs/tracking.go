package jobs

import (
	"strconv"
	"time"

	"github.com/tradestream/tradestream/codecs"
)

// NoticeETAMoved is how many minutes the ETA must move from the last
// announced one for the customer to get another on_the_way notification.
const NoticeETAMoved = 5

// Tracking. A job that goes en_route asks the tracking group to track its
// tradesperson (track_job); leaving en_route stops it (untrack_job). The
// tracking group answers with eta_update commands, and with arrived when
// the tradesperson is within the arrival radius. The ETA (with the last
// position) is shown only while the job is en_route: every other status
// clears it.

// applyETA records a tracked ETA on an en_route job. An ETA not newer than
// the job's is a re-send or out of date: no change. The first ETA, and
// every one that moved by NoticeETAMoved minutes from the last announced,
// notifies the customer (on_the_way).
func applyETA(j *codecs.Job, cmd *codecs.Command) (*codecs.Job, []Effect) {
	e := cmd.ETA
	if e == nil || j.Status != codecs.StatusEnRoute || j.ETA != nil && !e.UpdatedAt.After(j.ETA.UpdatedAt) {
		return nil, nil
	}
	eta := *e
	if e.Position != nil {
		pos := *e.Position
		eta.Position = &pos
	}
	j.ETA = &eta
	moved := eta.Minutes - j.NotifiedETAMinutes
	if j.ETANotices > 0 && moved < NoticeETAMoved && moved > -NoticeETAMoved {
		return j, nil
	}
	j.ETANotices++
	j.NotifiedETAMinutes = eta.Minutes
	return j, []Effect{{Kind: EffectNotify, To: ToNotify,
		Arg: codecs.NoticeOnTheWay + "/eta" + strconv.Itoa(int(j.ETANotices))}}
}

// arrived puts an en_route job on_site at the time of the ping that came
// within the arrival radius; in any other status it changes nothing (the
// tradesperson may have reported on_site already).
func arrived(j *codecs.Job, cmd *codecs.Command) *codecs.Job {
	if j.Status != codecs.StatusEnRoute || cmd.SetJobStatus == nil {
		return nil
	}
	next, rej := setStatus(j, &codecs.Command{SetJobStatus: &codecs.SetJobStatus{
		Status: codecs.StatusOnSite, At: cmd.SetJobStatus.At}})
	if rej != nil {
		return nil
	}
	return next
}

// trackingEffects starts tracking when a job goes en_route and stops it
// when the job leaves en_route.
func trackingEffects(before, after *codecs.Job) []Effect {
	wasEnRoute, isEnRoute := before.Status == codecs.StatusEnRoute, after.Status == codecs.StatusEnRoute
	switch {
	case !wasEnRoute && isEnRoute:
		return []Effect{{Kind: codecs.KindTrackJob, To: ToTracking}}
	case wasEnRoute && !isEnRoute && before.AssignedTradespersonID != nil:
		return []Effect{{Kind: codecs.KindUntrackJob, To: ToTracking, Arg: *before.AssignedTradespersonID}}
	}
	return nil
}

// trackingCommand builds the record of a tracking effect from the job as
// stored; nil when it no longer applies (a track_job re-sent after the job
// left en_route).
func trackingCommand(cmd *codecs.Command, job *codecs.Job, e Effect) *codecs.TrackingCommand {
	out := &codecs.TrackingCommand{CommandID: e.Kind + "-" + job.ID, TenantID: job.TenantID, Kind: e.Kind,
		JobID: job.ID, Location: job.Location, At: cmd.AcceptedAt}
	switch {
	case e.Kind == codecs.KindTrackJob && job.Status == codecs.StatusEnRoute && job.AssignedTradespersonID != nil:
		out.TradespersonID = *job.AssignedTradespersonID
		out.At = enRouteSince(job, cmd)
	case e.Kind == codecs.KindUntrackJob && job.Status != codecs.StatusEnRoute && e.Arg != "":
		out.TradespersonID = e.Arg
	default:
		return nil
	}
	return out
}

// trackingInput wraps a tracking command for the tracking group's one
// input, which it shares with the pings of the API (one log per
// tradesperson: a replay sees both in the order of the live run).
func trackingInput(c *codecs.TrackingCommand) *codecs.TrackingInput {
	return &codecs.TrackingInput{Command: c}
}

// enRouteSince is when the job last went en_route.
func enRouteSince(job *codecs.Job, cmd *codecs.Command) time.Time {
	for i := len(job.StatusHistory) - 1; i >= 0; i-- {
		if job.StatusHistory[i].Status == codecs.StatusEnRoute {
			return job.StatusHistory[i].At
		}
	}
	return cmd.AcceptedAt
}
