package tradespeople

import (
	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/internal/geo"
)

// IndexUpdate is one record for the matching index, keyed
// "<tenant>/<trade>/<cell>".
type IndexUpdate struct {
	Key   string
	Event *codecs.MatchEvent
}

// IndexUpdates returns the matching index records a profile change needs:
// the new profile as a member of every cell its circle covers, for each of
// its trades, and a removal from every cell and trade it no longer covers.
// seq orders the updates of one tradesperson; tenant and id name them when
// the profile was deleted (after is nil).
func IndexUpdates(tenant, id string, seq int64, before, after *codecs.Tradesperson) []IndexUpdate {
	keep := map[string]bool{}
	var out []IndexUpdate
	if after != nil {
		m := &codecs.CellMember{TradespersonID: id, Base: after.Base, RadiusKm: after.RadiusKm, Active: after.Active,
			WorkingHours: after.WorkingHours, RatingCount: after.Rating.Count, RatingAverage: after.Rating.Average, Seq: seq}
		for _, key := range coverage(tenant, after) {
			keep[key] = true
			out = append(out, IndexUpdate{Key: key, Event: &codecs.MatchEvent{Kind: codecs.MatchMember, TenantID: tenant,
				TradespersonID: id, Seq: seq, Member: m}})
		}
	}
	if before != nil {
		for _, key := range coverage(tenant, before) {
			if !keep[key] {
				out = append(out, IndexUpdate{Key: key, Event: &codecs.MatchEvent{Kind: codecs.MatchRemove, TenantID: tenant,
					TradespersonID: id, Seq: seq}})
			}
		}
	}
	return out
}

func coverage(tenant string, tp *codecs.Tradesperson) []string {
	cells := geo.Cover(tp.Base.Lat, tp.Base.Lon, tp.RadiusKm)
	keys := make([]string, 0, len(cells)*len(tp.Trades))
	for _, trade := range tp.Trades {
		for _, c := range cells {
			keys = append(keys, tenant+"/"+trade+"/"+c.String())
		}
	}
	return keys
}
