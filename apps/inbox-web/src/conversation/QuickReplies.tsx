import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { inboxApi } from '../api/client';

const preview = (text: string) => (text.length > 60 ? `${text.slice(0, 57)}…` : text);

/**
 * Seed 002's saved responses as quick replies: choosing one puts its text in the composer (to be
 * edited or sent), and the text being written can be saved for the whole team.
 */
export function QuickReplies({ text, onChoose }: { text: string; onChoose: (text: string) => void }) {
  const queries = useQueryClient();
  const saved = useQuery({
    queryKey: ['saved-responses'],
    queryFn: inboxApi.savedResponses,
    staleTime: 60_000,
  });
  const save = useMutation({
    mutationFn: () => inboxApi.saveResponse(text),
    onSuccess: () => void queries.invalidateQueries({ queryKey: ['saved-responses'] }),
  });
  const responses = saved.data?.results ?? [];
  return (
    <div className="quick-replies">
      <select
        aria-label="Insert a saved response"
        value=""
        onChange={(e) => {
          const chosen = responses.find((r) => String(r.id) === e.target.value);
          if (chosen) onChoose(chosen.text);
        }}
        disabled={!responses.length}
      >
        <option value="">{responses.length ? 'Saved responses…' : 'No saved responses yet'}</option>
        {responses.map((r) => (
          <option key={r.id} value={r.id}>
            {preview(r.text)}
          </option>
        ))}
      </select>
      <button
        type="button"
        className="link"
        disabled={!text.trim() || save.isPending}
        onClick={() => save.mutate()}
      >
        {save.isSuccess && !save.isPending ? 'Saved for the team' : 'Save as a saved response'}
      </button>
      {save.isError && (
        <span className="error" role="alert">
          Not saved: {save.error.message}
        </span>
      )}
    </div>
  );
}
