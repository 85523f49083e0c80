package jobs

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tradestream/tradestream/codecs"
)

// Message is one record a scheduling effect sends; exactly one of the
// value pointers is set.
type Message struct {
	To  Target
	Key string
	// Command goes to job-commands (To == ToJob) or dependency-commands
	// (ToDependencies).
	Command *codecs.Command
	// Calendar goes to calendar-commands (ToCalendar).
	Calendar *codecs.CalendarRequest
	// Notification goes to notifications (ToNotify).
	Notification *codecs.Notification
	// Tracking goes to the tracking inputs (ToTracking).
	Tracking *codecs.TrackingCommand
}

// ScheduleMessages returns the records of a scheduling effect of cmd on
// job (the job as stored). The records depend only on their arguments, and
// a request that no longer applies (a probe or reserve re-sent from the
// outbox after the job moved on) is not sent.
func ScheduleMessages(cmd *codecs.Command, job *codecs.Job, e Effect) []Message {
	t := job.TenantID
	switch e.To {
	case ToCalendar:
		req := calendarRequest(cmd, job, e)
		if req == nil {
			return nil
		}
		return []Message{{To: ToCalendar, Key: t + "/" + req.TradespersonID, Calendar: req}}
	case ToJob:
		st := DependencyStateOf(job)
		return []Message{{To: ToJob, Key: t + "/" + e.Arg, Command: &codecs.Command{
			CommandID: "dep-" + job.ID + "-v" + itoa(st.Version) + "-" + e.Arg, TenantID: t, JobID: e.Arg,
			Kind: codecs.KindDependencyUpdate, AcceptedAt: cmd.AcceptedAt, Source: codecs.SourceInternal, Dependency: &st}}}
	case ToDependencies:
		// Seq is the post's: the dependencies group refuses the job of a
		// cycle posted last, whatever order the tracks arrive in.
		return []Message{{To: ToDependencies, Key: t, Command: &codecs.Command{
			CommandID: "deps-" + job.ID + "-" + e.Kind, TenantID: t, JobID: job.ID, Kind: e.Kind, Seq: job.PostedSeq,
			AcceptedAt: cmd.AcceptedAt, Source: codecs.SourceInternal, DependsOn: job.DependsOn}}}
	case ToNotify:
		kind, version, _ := strings.Cut(e.Arg, "/")
		return notifications(cmd, job, kind, version)
	case ToOffers:
		return offerMessages(job, e.Arg)
	case ToTracking:
		tc := trackingCommand(cmd, job, e)
		if tc == nil {
			return nil
		}
		return []Message{{To: ToTracking, Key: t + "/" + tc.TradespersonID, Tracking: tc}}
	}
	return nil
}

// calendarRequest builds the probe, reserve or release of e; nil when the
// job has no tradesperson to address.
func calendarRequest(cmd *codecs.Command, job *codecs.Job, e Effect) *codecs.CalendarRequest {
	req := &codecs.CalendarRequest{Kind: e.Kind, TenantID: job.TenantID, JobID: job.ID, Attempt: job.BookingAttempt,
		Window: job.Window, DurationMinutes: job.DurationMinutes, Location: job.Location, NotBefore: NotBefore(job),
		At: cmd.AcceptedAt}
	switch {
	case e.Kind == codecs.CalendarProbe && job.MatchProbing:
		if !matchProbeOpen(job, e.Arg) {
			return nil
		}
		matchProbeRequest(req, e.Arg)
	case e.Kind == codecs.CalendarProbe:
		answered := slices.ContainsFunc(job.Probes, func(p codecs.ProbeAnswer) bool { return p.TradespersonID == e.Arg })
		if job.Status != codecs.StatusBooking || !job.Probing || answered {
			return nil
		}
		req.TradespersonID = e.Arg
	case e.Kind == codecs.CalendarReserve && (job.Status != codecs.StatusBooking || job.Probing):
		return nil
	case e.Kind == codecs.CalendarRelease && e.Arg != "":
		tp, n, _ := strings.Cut(e.Arg, "/")
		attempt, err := strconv.ParseInt(n, 10, 64)
		if err != nil {
			return nil
		}
		req.TradespersonID, req.Attempt = tp, attempt
	case job.AssignedTradespersonID != nil:
		req.TradespersonID = *job.AssignedTradespersonID
	default:
		return nil
	}
	if e.Kind == codecs.CalendarRelease {
		req.Window, req.DurationMinutes, req.Location, req.NotBefore = codecs.Window{}, 0, codecs.GeoPoint{}, time.Time{}
	}
	return req
}

// notifications tells the customer and the assigned tradesperson about a
// scheduling outcome; tracking notices (on_the_way, arrived) go to the
// customer only. Ids are "<kind>-<job>-v<version>-<role>", version being
// the job's when it happened (or the ETA notice's number): the same on a
// re-send, so each recipient keeps one.
func notifications(cmd *codecs.Command, job *codecs.Job, kind, version string) []Message {
	if version == "" {
		version = itoa(job.Version)
	}
	msg := noticeText(job, kind)
	var out []Message
	add := func(role, id string) {
		recipient := role + ":" + id
		out = append(out, Message{To: ToNotify, Key: job.TenantID + "/" + recipient, Notification: &codecs.Notification{
			ID: kind + "-" + job.ID + "-v" + version + "-" + role, Recipient: recipient, Kind: kind,
			JobID: job.ID, Message: msg, At: cmd.AcceptedAt}})
	}
	if job.CustomerID != "" {
		add("customer", job.CustomerID)
	}
	if job.AssignedTradespersonID != nil && kind != codecs.NoticeOnTheWay && kind != codecs.NoticeArrived {
		add("tradesperson", *job.AssignedTradespersonID)
	}
	return out
}

func noticeText(job *codecs.Job, kind string) string {
	title := job.Title
	if title == "" {
		title = job.ID
	}
	slot := ""
	if a := job.Appointment; a != nil {
		slot = fmt.Sprintf(" %s–%s UTC", a.Start.UTC().Format("Mon 2 Jan 2006 15:04"), a.End.UTC().Format("15:04"))
	}
	switch kind {
	case "booked":
		return "Booked: " + title + slot
	case "rescheduled":
		return "Rescheduled: " + title + slot
	case "moved":
		return "Moved: " + title + slot
	case "cancelled":
		return "Cancelled: " + title
	case codecs.NoticeOnTheWay:
		minutes := job.NotifiedETAMinutes
		if job.ETA != nil {
			minutes = job.ETA.Minutes
		}
		return fmt.Sprintf("On the way: %s, arriving in about %d min", title, minutes)
	case codecs.NoticeArrived:
		return "Arrived: " + title
	case "needs_attention":
		why := ""
		if job.AttentionReason != nil {
			why = " (" + *job.AttentionReason + ")"
		}
		return "Needs attention: " + title + why
	}
	return kind + ": " + title
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// scheduleEffects derives the scheduling messages of a change: a calendar
// request for every new attempt (probes, a reserve, or a release), the new
// schedule for the dependents, notifications of the outcome, and the job's
// edges for the dependency graph.
func scheduleEffects(before, after *codecs.Job, cmd *codecs.Command) []Effect {
	var out []Effect
	if before == nil {
		if cmd.Kind == codecs.KindPostJob {
			out = append(out, Effect{Kind: codecs.KindTrackDependencies, To: ToDependencies})
		}
		return out
	}
	if after.BookingAttempt != before.BookingAttempt {
		switch {
		case after.Status == codecs.StatusBooking && after.Probing:
			for _, tp := range after.OfferedTo {
				out = append(out, Effect{Kind: codecs.CalendarProbe, To: ToCalendar, Arg: tp})
			}
		case after.Status == codecs.StatusBooking:
			out = append(out, Effect{Kind: codecs.CalendarReserve, To: ToCalendar})
		case before.AssignedTradespersonID != nil:
			out = append(out, Effect{Kind: codecs.CalendarRelease, To: ToCalendar,
				Arg: *before.AssignedTradespersonID + "/" + itoa(after.BookingAttempt)})
		}
	}
	if !sameSchedule(before, after) {
		for _, d := range after.Dependents {
			out = append(out, Effect{Kind: codecs.KindDependencyUpdate, To: ToJob, Arg: d})
		}
	}
	if kind := notice(before, after); kind != "" {
		out = append(out, Effect{Kind: EffectNotify, To: ToNotify, Arg: kind + "/" + itoa(after.Version)})
	}
	if !slices.Contains(terminal, before.Status) && slices.Contains(terminal, after.Status) && len(after.DependsOn) > 0 {
		out = append(out, Effect{Kind: codecs.KindForgetDependencies, To: ToDependencies})
	}
	return out
}

// notice is the notification kind of a change, or "".
func notice(before, after *codecs.Job) string {
	if before.Status == after.Status {
		return ""
	}
	switch after.Status {
	case codecs.StatusBooked:
		switch after.BookingCause {
		case CauseReschedule:
			return "rescheduled"
		case CauseDependency, CauseRevoked:
			return "moved"
		}
		return "booked"
	case codecs.StatusNeedsAttention:
		return "needs_attention"
	case codecs.StatusOnSite:
		return codecs.NoticeArrived
	case codecs.StatusCancelled:
		if before.AssignedTradespersonID == nil {
			return "" // nothing was scheduled: no one to tell but the canceller
		}
		return "cancelled"
	}
	return ""
}
